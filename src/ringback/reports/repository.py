"""Every SQL statement of the reports. Counts are grouped in the database by quarter hour of
UTC (every time zone in use today is a whole number of quarter hours from UTC, so a quarter
never straddles a local bucket); figures that need percentiles read one small row per item."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ringback.agents.models import Agent, AgentStatus, AgentStatusHistory
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.states import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    CallbackEvent,
    CallbackState,
    CallbackType,
    Channel,
)
from ringback.config.models import DispositionCodeRow
from ringback.interactions.models import Interaction, InteractionHistory
from ringback.interactions.states import InteractionState
from ringback.supervisor.repository import bucket_of

QUARTER_SECONDS = 900
# Any SELECT: the filters add WHERE clauses and joins whatever the columns are.
Q = TypeVar("Q")
S, E = CallbackState, CallbackEvent


@dataclass(frozen=True)
class Scope:
    """Which rows a report reads: a time range and the filters asked for."""

    start: datetime
    end: datetime
    service_ids: frozenset[int] | None = None  # None: every service
    queue_id: int | None = None
    channel: Channel | None = None
    agent_id: int | None = None
    agent_login: str | None = None
    phone: str | None = None  # one customer's number (E.164): the best time to call's history

    @property
    def first_quarter(self) -> int:
        """Whole seconds since 1970 of the UTC quarter hour the range starts in."""
        seconds = int(self.start.timestamp())
        return seconds - seconds % QUARTER_SECONDS


def _quarter(scope: Scope, column: Any) -> ColumnElement[int]:
    # Written into the statement, not bound, so that SELECT and GROUP BY match on PostgreSQL.
    return bucket_of(
        column,
        literal_column(str(scope.first_quarter)),
        literal_column(str(QUARTER_SECONDS)),
    )


def _callbacks(query: Q, scope: Scope) -> Q:
    found: Any = query
    if scope.service_ids is not None:
        found = found.where(Callback.service_id.in_(sorted(scope.service_ids)))
    if scope.queue_id is not None:
        found = found.where(Callback.queue_id == scope.queue_id)
    if scope.channel is not None:
        found = found.where(Callback.channel == scope.channel)
    if scope.phone is not None:
        found = found.where(Callback.phone == scope.phone)
    return found  # type: ignore[no-any-return]


def _each_callback(
    session: AsyncSession, scope: Scope, callback_id: Any, *columns: Any
) -> tuple[Any, ColumnElement[bool]]:
    """The callback of each of these ids that the filters keep, with these of its columns (and
    its id), to join on the condition returned: looked up by primary key one at a time. A plain
    join does that on SQLite, but PostgreSQL hashes the whole table (half a second at 1,000,000
    stored for a month's 46,000 first dials); there a LATERAL subquery, kept apart by its
    LIMIT, is read per row. Not for the month's endings: read at random per row they took
    longer than the hash."""
    found = _callbacks(select(Callback.id, *columns), scope)
    if session.get_bind().dialect.name == "postgresql":
        return found.where(Callback.id == callback_id).limit(1).lateral(), true()
    row = found.subquery()
    return row, row.c.id == callback_id


@dataclass(frozen=True)
class RequestCount:
    quarter: int
    channel: Channel
    type: CallbackType
    count: int


async def request_counts(session: AsyncSession, scope: Scope) -> list[RequestCount]:
    """Callbacks asked for in the range, per quarter, channel and type."""
    quarter = _quarter(scope, Callback.created_at)
    query = _callbacks(
        select(quarter, Callback.channel, Callback.type, func.count())
        .where(Callback.created_at >= scope.start, Callback.created_at < scope.end)
        .group_by(quarter, Callback.channel, Callback.type),
        scope,
    )
    return [RequestCount(int(q), ch, t, n) for q, ch, t, n in await session.execute(query)]


# Who ended a cancelled callback, from the actor its history names.
CANCELLERS = ("customer", "integration", "supervisor", "agent", "system")
SYSTEM_ACTORS = ("scheduler", "routing", "switch", "system")


def _canceller() -> ColumnElement[str]:
    actor = CallbackHistory.actor
    return case(
        (CallbackHistory.to_state != S.CANCELLED, literal_column("''")),
        (actor.like("customer%"), literal_column("'customer'")),
        (actor.like("api-key:%"), literal_column("'integration'")),
        (actor.like("supervisor%"), literal_column("'supervisor'")),
        (actor.in_(SYSTEM_ACTORS), literal_column("'system'")),
        else_=literal_column("'agent'"),
    )


@dataclass(frozen=True)
class OutcomeCount:
    quarter: int
    state: CallbackState  # completed, failed, cancelled or expired
    cancelled_by: str  # one of CANCELLERS, or "" when not cancelled
    last_result: str | None  # the last dial's result, for a failed callback
    count: int
    attempts: int  # dials of these callbacks, all told
    dialled: int  # those dialled at least once
    reached: int  # those whose customer answered at least once


async def outcome_counts(session: AsyncSession, scope: Scope) -> list[OutcomeCount]:
    """Callbacks that ended in the range (each ends once), per quarter and outcome."""
    quarter = _quarter(scope, CallbackHistory.at)
    cancelled_by = _canceller()
    last_result = case((CallbackHistory.to_state == S.FAILED, Callback.last_result), else_=None)
    query = (
        select(
            quarter,
            CallbackHistory.to_state,
            cancelled_by,
            last_result,
            func.count(),
            func.coalesce(func.sum(Callback.attempts), 0),
            func.count(case((Callback.attempts > 0, 1))),
            func.count(Callback.contacted_at),
        )
        .join(Callback, Callback.id == CallbackHistory.callback_id)
        .where(
            CallbackHistory.at >= scope.start,
            CallbackHistory.at < scope.end,
            CallbackHistory.to_state.in_(sorted(TERMINAL_STATES)),
        )
        .group_by(quarter, CallbackHistory.to_state, cancelled_by, last_result)
    )
    if scope.agent_login is not None:
        query = query.where(CallbackHistory.actor == scope.agent_login)
    rows = await session.execute(_callbacks(query, scope))
    return [
        OutcomeCount(int(q), state, by, result, n, int(attempts), dialled, reached)
        for q, state, by, result, n, attempts, dialled, reached in rows
    ]


async def open_now(session: AsyncSession, scope: Scope) -> int:
    """Callbacks not yet ended, now."""
    query = _callbacks(
        select(func.count()).select_from(Callback).where(Callback.state.in_(sorted(ACTIVE_STATES))),
        scope,
    )
    return int(await session.scalar(query) or 0)


async def requested_between(
    session: AsyncSession, scope: Scope, start: datetime, end: datetime
) -> int:
    query = _callbacks(
        select(func.count())
        .select_from(Callback)
        .where(Callback.created_at >= start, Callback.created_at < end),
        scope,
    )
    return int(await session.scalar(query) or 0)


async def ended_between(session: AsyncSession, scope: Scope, start: datetime, end: datetime) -> int:
    query = _callbacks(
        select(func.count())
        .select_from(CallbackHistory)
        .join(Callback, Callback.id == CallbackHistory.callback_id)
        .where(
            CallbackHistory.at >= start,
            CallbackHistory.at < end,
            CallbackHistory.to_state.in_(sorted(TERMINAL_STATES)),
        ),
        scope,
    )
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class FirstReach:
    """A callback's first dial, or its first connect, when that fell in the range."""

    callback_id: uuid.UUID
    event: CallbackEvent  # dial or connect
    at: datetime
    type: CallbackType
    requested_at: datetime
    queued_at: datetime | None  # when it first became due (its slot, its delay, or at once)


def _first_times(which: ColumnElement[bool]) -> Any:
    """Per callback of the history rows this keeps: its first dial, its first
    connect and when it first became due."""
    at, event = CallbackHistory.at, CallbackHistory.event
    return (
        select(
            CallbackHistory.callback_id,
            func.min(case((event == E.DIAL, at))).label("dial_at"),
            func.min(case((event == E.CONNECT, at))).label("connect_at"),
            func.min(case((CallbackHistory.to_state == S.QUEUED, at))).label("queued_at"),
        )
        .where(which)
        .group_by(CallbackHistory.callback_id)
    )


async def first_reaches(session: AsyncSession, scope: Scope) -> list[FirstReach]:
    """Each callback's first dial and first connect that happened in the range."""
    at, event = CallbackHistory.at, CallbackHistory.event
    reached = event.in_([E.DIAL, E.CONNECT])
    # One row per callback dialled or connected in the range, read through the time index.
    in_range = (
        _first_times(
            and_(
                at >= scope.start,
                at < scope.end,
                or_(reached, CallbackHistory.to_state == S.QUEUED),
            )
        )
        .having(func.count(case((reached, 1))) > 0)
        .subquery()
    )
    callback, joined = _each_callback(
        session, scope, in_range.c.callback_id, Callback.type, Callback.created_at
    )
    query = select(
        in_range.c.callback_id,
        callback.c.type,
        callback.c.created_at,
        in_range.c.dial_at,
        in_range.c.connect_at,
        in_range.c.queued_at,
    ).join(callback, joined)
    if scope.agent_login is not None:
        # The agent's own dials; a connect is the switch's, so it goes with the callback.
        dialled = aliased(CallbackHistory)
        query = query.where(
            exists().where(
                dialled.callback_id == in_range.c.callback_id,
                dialled.event == E.DIAL,
                dialled.actor == scope.agent_login,
            )
        )
    rows = (await session.execute(query)).all()
    # A callback asked for within the range has all its history up to its first dial there.
    # Any other is read whole through the history's callback_id index: a dial or connect
    # before the range means the one in it was not its first, and it may have become due then.
    ever: dict[uuid.UUID, tuple[datetime | None, datetime | None, datetime | None]] = {}
    to_read = [
        row.callback_id
        for row in rows
        if row.created_at < scope.start or (row.dial_at is not None and row.queued_at is None)
    ]
    for first in range(0, len(to_read), IDS_PER_STATEMENT):
        chunk = to_read[first : first + IDS_PER_STATEMENT]
        for i, *times in await session.execute(
            _first_times(CallbackHistory.callback_id.in_(chunk))
        ):
            ever[i] = (times[0], times[1], times[2])
    found: list[FirstReach] = []
    for i, type_, requested, dial_at, connect_at, queued_at in rows:
        first_dial, first_connect, queued_at = ever.get(i, (dial_at, connect_at, queued_at))
        if dial_at is not None and first_dial == dial_at:
            found.append(FirstReach(i, E.DIAL, dial_at, type_, requested, queued_at))
        if connect_at is not None and first_connect == connect_at:
            found.append(FirstReach(i, E.CONNECT, connect_at, type_, requested, None))
    return found


def _interactions(query: Q, scope: Scope) -> Q:
    found: Any = query
    found = found.join(Callback, Callback.id == Interaction.callback_id)
    if scope.agent_id is not None:
        found = found.where(Interaction.agent_id == scope.agent_id)
    return _callbacks(found, scope)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HandledInteraction:
    id: uuid.UUID
    agent_id: int
    created_at: datetime
    reached_at: datetime  # accepted, or (handed over by a colleague) offered
    ended_at: datetime
    disposition: str | None


async def handled(session: AsyncSession, scope: Scope) -> list[HandledInteraction]:
    """Interactions marked done in the range."""
    query = _interactions(
        select(
            Interaction.id,
            Interaction.agent_id,
            Interaction.created_at,
            func.coalesce(Interaction.accepted_at, Interaction.offered_at),
            Interaction.ended_at,
            Interaction.disposition,
        ).where(
            Interaction.state == InteractionState.DONE,
            Interaction.ended_at >= scope.start,
            Interaction.ended_at < scope.end,
        ),
        scope,
    )
    return [
        HandledInteraction(i, agent, created, reached, ended, code)
        for i, agent, created, reached, ended, code in await session.execute(query)
        if ended is not None
    ]


IDS_PER_STATEMENT = 500


async def call_states_of_held(
    session: AsyncSession, interaction_ids: Sequence[uuid.UUID], since: datetime
) -> list[tuple[uuid.UUID, datetime, str]]:
    """The call-state history of those of these interactions that were ever on hold, in
    order: (interaction, at, state). None of them was created before ``since``."""
    # Which were held: the holds recorded since then, one range of the (kind, at) index, rather
    # than two statements per 500 interactions. Their call states: through each one's index.
    # The kind is compared as text (``|| ''``): given the choice, SQLite would walk the
    # (kind, at) index through every hold ever recorded, once per row.
    wanted = set(interaction_ids)
    held_since = await session.scalars(
        select(InteractionHistory.interaction_id)
        .where(InteractionHistory.kind == "hold", InteractionHistory.at >= since)
        .distinct()
    )
    held = sorted(i for i in held_since if i in wanted)
    kind = InteractionHistory.kind + ""
    state = InteractionHistory.detail["state"].as_string()
    found: list[tuple[uuid.UUID, datetime, str]] = []
    for first in range(0, len(held), IDS_PER_STATEMENT):
        chunk = held[first : first + IDS_PER_STATEMENT]
        rows = await session.execute(
            select(InteractionHistory.interaction_id, InteractionHistory.at, state)
            .where(InteractionHistory.interaction_id.in_(chunk), kind == "call_state")
            .order_by(InteractionHistory.interaction_id, InteractionHistory.id)
        )
        found += [(i, at, s or "") for i, at, s in rows]
    return found


@dataclass(frozen=True)
class AfterCallWork:
    agent_id: int
    start: datetime
    end: datetime | None  # None: still in after-call work


async def after_call_work(session: AsyncSession, scope: Scope) -> list[AfterCallWork]:
    """Each stretch of After Call Work that began in the range, with when it ended."""
    following = aliased(AgentStatusHistory)
    # The agent's next status on that channel: the first row after it, read in index order.
    ended = (
        select(following.at)
        .where(
            following.agent_id == AgentStatusHistory.agent_id,
            following.channel == AgentStatusHistory.channel,
            following.id > AgentStatusHistory.id,
        )
        .order_by(following.id)
        .limit(1)
        .scalar_subquery()
    )
    query = select(AgentStatusHistory.agent_id, AgentStatusHistory.at, ended).where(
        AgentStatusHistory.to_status == AgentStatus.AFTER_CALL_WORK,
        AgentStatusHistory.from_status.is_distinct_from(AgentStatus.AFTER_CALL_WORK),
        AgentStatusHistory.at >= scope.start,
        AgentStatusHistory.at < scope.end,
    )
    if scope.agent_id is not None:
        query = query.where(AgentStatusHistory.agent_id == scope.agent_id)
    return [AfterCallWork(*row) for row in await session.execute(query)]


async def disposition_counts(session: AsyncSession, scope: Scope) -> dict[str | None, int]:
    """Interactions marked done in the range, per disposition code (None: no code)."""
    query = _interactions(
        select(Interaction.disposition, func.count())
        .where(
            Interaction.state == InteractionState.DONE,
            Interaction.ended_at >= scope.start,
            Interaction.ended_at < scope.end,
        )
        .group_by(Interaction.disposition),
        scope,
    )
    return {code: n for code, n in await session.execute(query)}


async def disposition_codes(session: AsyncSession) -> Sequence[DispositionCodeRow]:
    return (
        await session.scalars(select(DispositionCodeRow).order_by(DispositionCodeRow.position))
    ).all()


@dataclass(frozen=True)
class DialResultCount:
    quarter: int
    result: str
    count: int


async def dial_results(session: AsyncSession, scope: Scope) -> list[DialResultCount]:
    """How the dials that ended in the range went, per quarter and result."""
    result = InteractionHistory.detail["result"].as_string()
    quarter = _quarter(scope, InteractionHistory.at)
    query = _interactions(
        select(quarter, result, func.count())
        .select_from(InteractionHistory)
        .join(Interaction, Interaction.id == InteractionHistory.interaction_id)
        .where(
            InteractionHistory.kind == "dial_result",
            InteractionHistory.at >= scope.start,
            InteractionHistory.at < scope.end,
        )
        .group_by(quarter, result),
        scope,
    )
    return [DialResultCount(int(q), r or "", n) for q, r, n in await session.execute(query)]


async def agent_logins(session: AsyncSession) -> dict[int, str]:
    """Every agent's login by id (retired agents too: their history stays)."""
    return {i: login for i, login in await session.execute(select(Agent.id, Agent.login))}
