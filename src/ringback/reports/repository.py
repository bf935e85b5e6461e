"""Every SQL statement of the reports. Counts are grouped in the database by quarter hour of
UTC (every time zone in use today is a whole number of quarter hours from UTC, so a quarter
never straddles a local bucket); figures that need percentiles read a few numbers per item,
all the items' numbers packed in one JSON value (``packed``)."""

from __future__ import annotations

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
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON, Float

from ringback.agents.models import Agent, AgentStatus, AgentStatusHistory
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.states import (
    ACTIVE_STATES,
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


class packed(FunctionElement[Any]):
    """``packed(a, b, ...)``: every row's values as one JSON array of arrays, in one value.
    Read a row each, with a UTCDateTime, a UUID and an enum to convert per row, a month's
    87,000 first dials and connects took 2 to 3 s in Python at 1,000,000 stored on PostgreSQL;
    packed as a few numbers each, 0.3 s."""

    type = JSON()
    inherit_cache = True


@compiles(packed, "sqlite")
def _packed_sqlite(element: packed, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(packed, "postgresql")
def _packed_postgresql(element: packed, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


class seconds_since(FunctionElement[float]):
    """``seconds_since(at, since)``: the seconds from ``since`` to ``at``, as stored (to the
    microsecond on PostgreSQL, the millisecond on SQLite); ``seconds_since(at)``: since 1970."""

    type = Float()
    inherit_cache = True


@compiles(seconds_since, "sqlite")
def _seconds_since_sqlite(element: seconds_since, compiler: Any, **kw: Any) -> str:
    # SQLite keeps a time as whole milliseconds; rounding takes off julianday's float error.
    at, *since = (compiler.process(c, **kw) for c in element.clauses)
    origin = f"julianday({since[0]})" if since else "2440587.5"
    return f"round((julianday({at}) - {origin}) * 86400.0, 3)"


@compiles(seconds_since, "postgresql")
def _seconds_since_postgresql(element: seconds_since, compiler: Any, **kw: Any) -> str:
    at, *since = (compiler.process(c, **kw) for c in element.clauses)
    return f"date_part('epoch', {at} - {since[0]})" if since else f"date_part('epoch', {at})"


async def _unpacked(session: AsyncSession, query: Any) -> list[list[Any]]:
    return list(await session.scalar(query) or [])


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
    def filters_callbacks(self) -> bool:
        """Whether only some callbacks count (by service, queue, channel or number)."""
        return any(
            f is not None for f in (self.service_ids, self.queue_id, self.channel, self.phone)
        )

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
    actor = Callback.ended_by
    return case(
        (Callback.state != S.CANCELLED, literal_column("''")),
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
    quarter = _quarter(scope, Callback.ended_at)
    cancelled_by = _canceller()
    last_result = case((Callback.state == S.FAILED, Callback.last_result), else_=None)
    query = (
        select(
            quarter,
            Callback.state,
            cancelled_by,
            last_result,
            func.count(),
            func.coalesce(func.sum(Callback.attempts), 0),
            func.count(case((Callback.attempts > 0, 1))),
            func.count(Callback.contacted_at),
        )
        .where(Callback.ended_at >= scope.start, Callback.ended_at < scope.end)
        .group_by(quarter, Callback.state, cancelled_by, last_result)
    )
    if scope.agent_login is not None:
        query = query.where(Callback.ended_by == scope.agent_login)
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
        .select_from(Callback)
        .where(Callback.ended_at >= start, Callback.ended_at < end),
        scope,
    )
    return int(await session.scalar(query) or 0)


# A first dial: (seconds since 1970, seconds since asked for, seconds since first due or None
# when never queued, booked in a slot).
Dial = tuple[float, float, float | None, bool]


@dataclass(frozen=True)
class FirstReaches:
    """The first dials and first connects that happened in the range."""

    dials: list[Dial]
    connects: list[tuple[float, float]]  # (seconds since 1970, seconds since asked for)


async def first_reaches(session: AsyncSession, scope: Scope) -> FirstReaches:
    """Each callback's first dial and first connect that happened in the range: two ranges of
    indexes that hold all that is read, in one statement."""

    def reached(at: Any, *values: Any) -> Any:
        query = _callbacks(
            select(packed(seconds_since(at), seconds_since(at, Callback.created_at), *values))
            .where(at >= scope.start, at < scope.end)
            .scalar_subquery(),
            scope,
        )
        if scope.agent_login is not None:
            # The agent's own dials; a connect is the switch's, so it goes with the callback.
            query = query.where(
                exists().where(
                    CallbackHistory.callback_id == Callback.id,
                    CallbackHistory.event == E.DIAL,
                    CallbackHistory.actor == scope.agent_login,
                )
            )
        return query

    dial = Callback.first_dialed_at
    dials, connects = (
        await session.execute(
            select(
                reached(
                    dial,
                    seconds_since(dial, Callback.first_queued_at),
                    Callback.type == CallbackType.SCHEDULED,
                ),
                reached(Callback.contacted_at),
            )
        )
    ).one()
    return FirstReaches(
        [(at, waited, due, bool(scheduled)) for at, waited, due, scheduled in dials or ()],
        [(at, waited) for at, waited in connects or ()],
    )


def _interactions(query: Q, scope: Scope) -> Q:
    found: Any = query
    if scope.agent_id is not None:
        found = found.where(Interaction.agent_id == scope.agent_id)
    if not scope.filters_callbacks:
        return found  # type: ignore[no-any-return]
    # Only when needed: PostgreSQL joins by hashing every callback's id (0.2 s at 1,000,000).
    return _callbacks(found.join(Callback, Callback.id == Interaction.callback_id), scope)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HandledInteraction:
    agent_id: int
    ended_at: float  # seconds since 1970
    handle_seconds: float  # from accepted (or, handed over by a colleague, offered) to done
    hold_seconds: float  # from each time the call was held to the next call state


def _hold_seconds(done: ColumnElement[bool]) -> Any:
    """Per interaction that was ever held, of those ``done`` keeps (interactions), the seconds
    its call spent held: from each ``held`` call state to its next call state."""
    # Which were held: the holds recorded since the earliest of them was created, one range of
    # the (kind, at) index. Their call states: through each one's own index; the kind is
    # compared as text (``|| ''``), else SQLite walks the (kind, at) index through every call
    # state ever recorded.
    earliest = select(func.min(Interaction.created_at)).where(done).scalar_subquery()
    held = select(InteractionHistory.interaction_id).where(
        InteractionHistory.kind == "hold", InteractionHistory.at >= earliest
    )
    state = InteractionHistory.detail["state"].as_string()
    calls = (
        select(
            InteractionHistory.interaction_id,
            state.label("state"),
            seconds_since(
                func.lead(InteractionHistory.at).over(
                    partition_by=InteractionHistory.interaction_id, order_by=InteractionHistory.id
                ),
                InteractionHistory.at,
            ).label("lasted"),
        )
        .where(
            InteractionHistory.interaction_id.in_(held),
            InteractionHistory.kind + "" == "call_state",
        )
        .subquery()
    )
    return (
        select(calls.c.interaction_id, func.sum(calls.c.lasted).label("seconds"))
        .where(calls.c.state == "held")
        .group_by(calls.c.interaction_id)
        .subquery()
    )


async def handled(session: AsyncSession, scope: Scope) -> list[HandledInteraction]:
    """Interactions marked done in the range, each with its time on hold."""
    done = and_(
        Interaction.state == InteractionState.DONE,
        Interaction.ended_at >= scope.start,
        Interaction.ended_at < scope.end,
    )
    held = _hold_seconds(done)
    query = _interactions(
        select(
            packed(
                Interaction.agent_id,
                seconds_since(Interaction.ended_at),
                seconds_since(
                    Interaction.ended_at,
                    func.coalesce(Interaction.accepted_at, Interaction.offered_at),
                ),
                func.coalesce(held.c.seconds, 0),
            )
        )
        .select_from(Interaction)
        .outerjoin(held, held.c.interaction_id == Interaction.id)
        .where(done),
        scope,
    )
    return [
        # A sum of microsecond times in floating point: rounded back to the microsecond.
        HandledInteraction(agent, ended, handle, round(held, 6))
        for agent, ended, handle, held in await _unpacked(session, query)
    ]


@dataclass(frozen=True)
class AfterCallWork:
    agent_id: int
    start: float  # seconds since 1970
    seconds: float | None  # None: still in after-call work


async def after_call_work(session: AsyncSession, scope: Scope) -> list[AfterCallWork]:
    """Each stretch of After Call Work that began in the range, with how long it lasted: to
    the agent's next status on that channel."""
    status = AgentStatusHistory
    if session.get_bind().dialect.name == "postgresql":
        # The next row of the range in (agent, channel, id) order; only for the last of the
        # range, the first row after it (COALESCE reads that only when there is no next row).
        # At 1,000,000 stored: 0.4 s a month, against 0.55 s looking up each one's next row.
        statuses: Any = (
            select(
                status.agent_id,
                status.channel,
                status.id,
                status.at,
                status.from_status,
                status.to_status,
                func.lead(status.at)
                .over(partition_by=(status.agent_id, status.channel), order_by=status.id)
                .label("next_at"),
            )
            .where(status.at >= scope.start, status.at < scope.end)
            .subquery()
            .c
        )
        ended = func.coalesce(statuses.next_at, _next_status_at(statuses))
    else:
        # Each one's next row, looked up through the (agent, channel, id) index: on SQLite
        # 0.27 s a month at 1,000,000 stored, against 0.69 s for the window over the range.
        statuses = status
        ended = _next_status_at(status)
    query = select(
        packed(statuses.agent_id, seconds_since(statuses.at), seconds_since(ended, statuses.at))
    ).where(
        statuses.to_status == AgentStatus.AFTER_CALL_WORK,
        statuses.from_status.is_distinct_from(AgentStatus.AFTER_CALL_WORK),
        statuses.at >= scope.start,
        statuses.at < scope.end,
    )
    if scope.agent_id is not None:
        query = query.where(statuses.agent_id == scope.agent_id)
    return [AfterCallWork(*item) for item in await _unpacked(session, query)]


def _next_status_at(row: Any) -> Any:
    """When the agent's status on that channel changed after this row: the next row."""
    following = aliased(AgentStatusHistory)
    return (
        select(following.at)
        .where(
            following.agent_id == row.agent_id,
            following.channel == row.channel,
            following.id > row.id,
        )
        .order_by(following.id)
        .limit(1)
        .scalar_subquery()
    )


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
