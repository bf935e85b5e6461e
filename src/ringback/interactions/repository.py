"""Every SQL statement about interactions, their history and the agent event stream."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from ringback.agents.models import Agent, AgentChannelStatus
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.db import json_rows
from ringback.interactions.models import AgentEvent, Interaction, InteractionHistory
from ringback.interactions.states import FINAL_STATES, InteractionState
from ringback.outbox import OutboxEvent
from ringback.webhooks.models import WebhookEvent


async def get(
    session: AsyncSession, interaction_id: uuid.UUID, *, for_update: bool = False
) -> Interaction | None:
    query = select(Interaction).where(Interaction.id == interaction_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def by_call(session: AsyncSession, call_id: str) -> Interaction | None:
    return await session.scalar(
        select(Interaction).where(Interaction.call_id == call_id).with_for_update()
    )


async def by_consultation(session: AsyncSession, consultation_id: str) -> Interaction | None:
    return await session.scalar(
        select(Interaction).where(Interaction.consultation_id == consultation_id).with_for_update()
    )


async def open_offer_for_callback(
    session: AsyncSession, callback_id: uuid.UUID
) -> Interaction | None:
    return await session.scalar(
        select(Interaction)
        .where(
            Interaction.callback_id == callback_id, Interaction.state == InteractionState.OFFERED
        )
        .with_for_update()
    )


async def expired_offers(session: AsyncSession, now: datetime, limit: int) -> Sequence[Interaction]:
    return (
        await session.scalars(
            select(Interaction)
            .where(Interaction.offer_expires_at.is_not(None), Interaction.offer_expires_at <= now)
            .order_by(Interaction.offer_expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def next_offer_expiry(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(Interaction.offer_expires_at)
        .where(Interaction.offer_expires_at.is_not(None))
        .order_by(Interaction.offer_expires_at)
        .limit(1)
    )


async def refusals_since(
    session: AsyncSession, callback_ids: Sequence[uuid.UUID], since: datetime
) -> list[tuple[uuid.UUID, int, datetime]]:
    """(callback, agent, when) where the agent rejected or let the offer lapse since ``since``."""
    if not callback_ids:
        return []
    rows = await session.execute(
        select(Interaction.callback_id, Interaction.agent_id, Interaction.ended_at).where(
            Interaction.callback_id.in_(callback_ids),
            Interaction.state.in_([InteractionState.REJECTED, InteractionState.TIMED_OUT]),
            Interaction.ended_at >= since,
        )
    )
    return [(callback_id, agent_id, at) for callback_id, agent_id, at in rows if at is not None]


async def for_agent(
    session: AsyncSession, agent_id: int, *, open_only: bool, limit: int = 50
) -> Sequence[Interaction]:
    query = select(Interaction).where(Interaction.agent_id == agent_id)
    if open_only:
        query = query.where(Interaction.state.not_in(FINAL_STATES))
    else:
        query = query.where(Interaction.state == InteractionState.DONE)
    return (await session.scalars(query.order_by(Interaction.created_at.desc()).limit(limit))).all()


async def on_calls(
    session: AsyncSession, states: Sequence[InteractionState]
) -> Sequence[Interaction]:
    return (
        await session.scalars(
            select(Interaction).where(Interaction.state.in_(states)).with_for_update()
        )
    ).all()


async def handed_over(session: AsyncSession, interaction_id: uuid.UUID) -> bool:
    """Whether a transfer gave this interaction's customer to another agent (a conference
    brings a colleague in, and the customer stays with this agent)."""
    found = await session.scalar(
        select(Interaction.id)
        .join(InteractionHistory, InteractionHistory.interaction_id == Interaction.id)
        .where(
            Interaction.transferred_from == interaction_id,
            InteractionHistory.kind == "transferred_in",
        )
        .limit(1)
    )
    return found is not None


async def handed_over_from(session: AsyncSession, interaction: Interaction) -> list[Interaction]:
    """The interaction and, before it, the colleagues' it was handed over from, newest first."""
    chain = [interaction]
    while chain[-1].transferred_from is not None and len(chain) < 20:
        source = await get(session, chain[-1].transferred_from)
        if source is None or source in chain:
            break
        chain.append(source)
    return chain


async def first_entry(
    session: AsyncSession, interaction_id: uuid.UUID, *, kinds: Collection[str]
) -> InteractionHistory | None:
    return await session.scalar(
        select(InteractionHistory)
        .where(
            InteractionHistory.interaction_id == interaction_id,
            InteractionHistory.kind.in_(list(kinds)),
        )
        .order_by(InteractionHistory.id)
        .limit(1)
    )


async def last_entry(
    session: AsyncSession, interaction_id: uuid.UUID, *, kinds: Collection[str]
) -> InteractionHistory | None:
    return await session.scalar(
        select(InteractionHistory)
        .where(
            InteractionHistory.interaction_id == interaction_id,
            InteractionHistory.kind.in_(list(kinds)),
        )
        .order_by(InteractionHistory.id.desc())
        .limit(1)
    )


async def history_of(
    session: AsyncSession, interaction_ids: Sequence[uuid.UUID]
) -> Sequence[InteractionHistory]:
    """The case histories of several interactions as one, in the order things happened."""
    return (
        await session.scalars(
            select(InteractionHistory)
            .where(InteractionHistory.interaction_id.in_(interaction_ids))
            .order_by(InteractionHistory.at, InteractionHistory.id)
        )
    ).all()


async def agent_names(session: AsyncSession, logins: Iterable[str]) -> dict[str, str]:
    """Login -> name, for the actors of a case history that are agents."""
    wanted = sorted(set(logins))
    if not wanted:
        return {}
    rows = await session.execute(select(Agent.login, Agent.name).where(Agent.login.in_(wanted)))
    return {login: name for login, name in rows}


async def history(session: AsyncSession, interaction_id: uuid.UUID) -> Sequence[InteractionHistory]:
    return (
        await session.scalars(
            select(InteractionHistory)
            .where(InteractionHistory.interaction_id == interaction_id)
            .order_by(InteractionHistory.id)
        )
    ).all()


async def events_after(
    session: AsyncSession,
    *,
    after: int,
    agent_id: int | None,
    limit: int = 500,
) -> Sequence[AgentEvent]:
    """Stream rows after ``after``, in id order: one agent's (``agent_id``) or every row (None,
    supervisors)."""
    query = select(AgentEvent).where(AgentEvent.id > after)
    if agent_id is not None:
        query = query.where(AgentEvent.agent_id == agent_id)
    return (await session.scalars(query.order_by(AgentEvent.id).limit(limit))).all()


async def prune_events(session: AsyncSession, *, before: datetime) -> None:
    """Forget stream rows no screen will ask for again (a reconnect asks for minutes, not days).

    The newest row stays, however old: SQLite numbers a new row after the highest id in the
    table, and an emptied table would hand out ids that screens have already resumed after.
    """
    newest = select(func.max(AgentEvent.id)).scalar_subquery()
    await session.execute(delete(AgentEvent).where(AgentEvent.at < before, AgentEvent.id < newest))


async def last_event_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(AgentEvent.id))) or 0)


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Interaction]:
    if not ids:
        return []
    return (await session.scalars(select(Interaction).where(Interaction.id.in_(ids)))).all()


async def offered_agents(
    session: AsyncSession, callback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Callback -> the agent whose screen shows its open offer."""
    if not callback_ids:
        return {}
    rows = await session.execute(
        select(Interaction.callback_id, Interaction.agent_id).where(
            Interaction.callback_id.in_(callback_ids),
            Interaction.state == InteractionState.OFFERED,
        )
    )
    return {callback_id: agent_id for callback_id, agent_id in rows}


@dataclass(frozen=True)
class OfferRows:
    """What a routing pass writes, as column values: the new rows of each table, and the
    versioned changes of the callbacks (id, version, state, updated_at) and of the agents'
    channels (agent_id, channel, version, offered)."""

    interactions: list[dict[str, Any]]
    callbacks: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    callback_history: list[dict[str, Any]]
    interaction_history: list[dict[str, Any]]
    outbox: list[dict[str, Any]]
    webhook_events: list[dict[str, Any]]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


_CALLBACKS, _STATUSES = _table(Callback), _table(AgentChannelStatus)
# The version a row was read at is part of the WHERE: a row changed meanwhile is not matched,
# and the count of matched rows tells (the unit of work's check, for a whole pass at once).
_OFFER_CALLBACK = (
    update(_CALLBACKS)
    .where(_CALLBACKS.c.id == bindparam("b_id"), _CALLBACKS.c.version == bindparam("b_version"))
    .values(
        state=bindparam("b_state"),
        updated_at=bindparam("b_updated_at"),
        version=_CALLBACKS.c.version + 1,
    )
)
_OFFER_STATUS = (
    update(_STATUSES)
    .where(
        _STATUSES.c.agent_id == bindparam("b_agent_id"),
        _STATUSES.c.channel == bindparam("b_channel"),
        _STATUSES.c.version == bindparam("b_version"),
    )
    .values(offered=bindparam("b_offered"), version=_STATUSES.c.version + 1)
)


async def write_offers(session: AsyncSession, rows: OfferRows) -> None:
    """Write a routing pass's offers: one statement on PostgreSQL, one a table on SQLite (each
    for all the pass's rows).

    Raises StaleDataError, rolling the pass back, if a callback or an agent's channel changed
    since the pass read it (another node, or an agent's own action).
    """
    if session.get_bind().dialect.name == "postgresql":
        matched = await _write_offers_in_one(session, rows)
    else:
        matched = await _write_offers_by_table(session, rows)
    for (what, changes), found in zip(
        (("callbacks", rows.callbacks), ("agent channels", rows.statuses)), matched, strict=True
    ):
        if found != len(changes):
            missed = len(changes) - found
            raise StaleDataError(f"{missed} of {len(changes)} {what} changed since they were read")


def _new_rows(rows: OfferRows) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The tables of new rows, interactions first: the agents' channels and the case history
    point at them (SQLite checks foreign keys row by row)."""
    tables = [
        (_table(Interaction), rows.interactions),
        (_table(CallbackHistory), rows.callback_history),
        (_table(InteractionHistory), rows.interaction_history),
        (_table(OutboxEvent), rows.outbox),
        (_table(WebhookEvent), rows.webhook_events),
    ]
    return [(table, values) for table, values in tables if values]


async def _write_offers_by_table(session: AsyncSession, rows: OfferRows) -> tuple[int, int]:
    interactions, *others = _new_rows(rows)
    await session.execute(insert(interactions[0]), interactions[1])
    matched = []
    for statement, changes in ((_OFFER_CALLBACK, rows.callbacks), (_OFFER_STATUS, rows.statuses)):
        result = await session.execute(statement, [_bound(change) for change in changes])
        matched.append(cast(Any, result).rowcount)
    for table, values in others:
        await session.execute(insert(table), values)
    return matched[0], matched[1]


def _bound(change: dict[str, Any]) -> dict[str, Any]:
    return {f"b_{column}": value for column, value in change.items()}


async def _write_offers_in_one(session: AsyncSession, rows: OfferRows) -> tuple[int, int]:
    # Each table's rows travel as one JSON array (a parameter a table, whatever the number of
    # offers), so that the statement's text is the same every pass: psycopg parses it once and
    # the server prepares it. The columns take their types from the tables' row types.
    tables = _new_rows(rows)
    shape = tuple((table.name, tuple(values[0])) for table, values in tables)
    statement = _OFFER_STATEMENTS.get(shape)
    if statement is None:
        statement = _OFFER_STATEMENTS[shape] = _offer_statement(shape)
    parameters = {
        name: json_rows(values) for (name, _), (_, values) in zip(shape, tables, strict=True)
    }
    parameters |= {"callbacks": json_rows(rows.callbacks), "statuses": json_rows(rows.statuses)}
    found = (await session.execute(statement, parameters)).one()
    return found.callbacks, found.statuses


_OFFER_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _offer_statement(shape: tuple[tuple[str, tuple[str, ...]], ...]) -> Any:
    # Table and column names come from the models' metadata; every value is a parameter.
    writes = [
        f"w_{name} AS (INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(columns)} FROM jsonb_populate_recordset(NULL::{name}, "
        f"CAST(:{name} AS jsonb)))"
        for name, columns in shape
    ]
    # Foreign keys are checked at the end of the statement: the channels may point at
    # interactions inserted beside them.
    writes += [
        "c AS (UPDATE callbacks SET state = v.state, updated_at = v.updated_at, "
        "version = callbacks.version + 1 "
        "FROM jsonb_populate_recordset(NULL::callbacks, CAST(:callbacks AS jsonb)) AS v "
        "WHERE callbacks.id = v.id AND callbacks.version = v.version RETURNING 1)",
        "s AS (UPDATE agent_channel_status SET offered = v.offered, "
        "version = agent_channel_status.version + 1 "
        "FROM jsonb_populate_recordset(NULL::agent_channel_status, CAST(:statuses AS jsonb)) "
        "AS v WHERE agent_channel_status.agent_id = v.agent_id "
        "AND agent_channel_status.channel = v.channel "
        "AND agent_channel_status.version = v.version RETURNING 1)",
    ]
    return text(
        f"WITH {', '.join(writes)} "  # noqa: S608
        "SELECT (SELECT count(*) FROM c) AS callbacks, (SELECT count(*) FROM s) AS statuses"
    )
