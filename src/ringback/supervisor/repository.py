"""SQL of the supervisor's views: the waiting list, late callbacks, the queues' recent activity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ringback.callbacks.models import NOT_TRIED_WAITING, Callback, CallbackHistory
from ringback.callbacks.states import CallbackEvent, CallbackState

S = CallbackState


@dataclass(frozen=True)
class WaitingFilter:
    """Which waiting callbacks a list shows."""

    states: frozenset[CallbackState]
    service_id: int | None = None
    # Only those queued at or before this time (waiting longer than the age asked for); the
    # scheduled are not waiting yet and are left out.
    queued_by: datetime | None = None


def _since(state: CallbackState) -> Any:
    """The column a state's callbacks are in time order by."""
    return Callback.due_at if state is S.SCHEDULED else Callback.queued_at


def _states(where: WaitingFilter) -> list[CallbackState]:
    order = [S.QUEUED, S.OFFERED, S.SCHEDULED]
    return [s for s in order if s in where.states and (s is not S.SCHEDULED or not where.queued_by)]


def _filtered(query: Select[Any], state: CallbackState, where: WaitingFilter) -> Select[Any]:
    since = _since(state)
    query = query.where(Callback.state == state, since.is_not(None))
    if where.service_id is not None:
        query = query.where(Callback.service_id == where.service_id)
    if where.queued_by is not None:
        query = query.where(since <= where.queued_by)
    return query


async def waiting_in_time_order(
    session: AsyncSession,
    *,
    where: WaitingFilter,
    after: tuple[datetime, uuid.UUID] | None,
    descending: bool,
    limit: int,
) -> list[Callback]:
    """At most ``limit`` waiting callbacks by their time (queued_at, or due_at when scheduled)
    and id, after ``after``. Each state is read in its index's order, then the pages merged."""
    found: list[Callback] = []
    for state in _states(where):
        since = _since(state)
        query = _filtered(select(Callback), state, where)
        if after is not None:
            at, last = after
            if descending:
                query = query.where(or_(since < at, and_(since == at, Callback.id < last)))
            else:
                query = query.where(or_(since > at, and_(since == at, Callback.id > last)))
        if descending:
            query = query.order_by(since.desc(), Callback.id.desc())
        else:
            query = query.order_by(since, Callback.id)
        found += (await session.scalars(query.limit(limit))).all()
    found.sort(key=_time_key, reverse=descending)
    return found[:limit]


def _time_key(row: Callback) -> tuple[datetime, uuid.UUID]:
    since = row.due_at if row.state is S.SCHEDULED else row.queued_at
    assert since is not None  # the queries read only rows that have it
    return since, row.id


@dataclass(frozen=True)
class WaitingKey:
    """A waiting callback's sort fields, without the rest of its row."""

    id: uuid.UUID
    state: CallbackState
    service_id: int
    priority: int
    since: datetime


async def waiting_keys(session: AsyncSession, *, where: WaitingFilter) -> list[WaitingKey]:
    """The sort fields of every waiting callback the filter lets through (for a sort that
    depends on each service's aging, which no index holds)."""
    keys: list[WaitingKey] = []
    for state in _states(where):
        since = _since(state)
        query = _filtered(
            select(Callback.id, Callback.service_id, Callback.priority, since), state, where
        )
        rows = await session.execute(query)
        keys += [WaitingKey(id_, state, service, prio, at) for id_, service, prio, at in rows]
    return keys


async def count_waiting(session: AsyncSession, *, where: WaitingFilter) -> int:
    total = 0
    for state in _states(where):
        total += await session.scalar(_filtered(select(func.count()), state, where)) or 0
    return total


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Callback]:
    if not ids:
        return {}
    rows = await session.scalars(select(Callback).where(Callback.id.in_(ids)))
    return {row.id: row for row in rows}


async def late_counts(session: AsyncSession, cutoffs: dict[int, datetime]) -> dict[int, int]:
    """Per service: callbacks queued or offered, never tried yet, whose desired time is before
    that service's cutoff. One index range per service, counted without reading the table."""
    if not cutoffs:
        return {}
    per_service = [
        select(literal(service_id, Integer).label("service_id"), func.count().label("late"))
        .select_from(Callback)
        # The partial index's condition, as a literal: both engines then use the index.
        .where(
            Callback.service_id == service_id,
            text(NOT_TRIED_WAITING),
            Callback.desired_time < cutoff,
        )
        for service_id, cutoff in cutoffs.items()
    ]
    rows = await session.execute(union_all(*per_service))
    return {service_id: count for service_id, count in rows if count}


def is_late(callback: Callback, cutoff: datetime) -> bool:
    """The same rule as late_counts, for one callback in hand."""
    return (
        callback.state in (S.QUEUED, S.OFFERED)
        and callback.attempts == 0
        and callback.desired_time < cutoff
    )


class bucket_of(FunctionElement[int]):
    """``bucket_of(at, start, step)``: which bucket of ``step`` seconds from ``start`` (both
    whole seconds since 1970) a UTC timestamp at or after ``start`` falls in."""

    type = BigInteger()
    inherit_cache = True


@compiles(bucket_of, "sqlite")
def _bucket_sqlite(element: bucket_of, compiler: Any, **kw: Any) -> str:
    # Stored as naive UTC text, which strftime('%s') reads as UTC; integers divide whole.
    at, start, step = (compiler.process(c, **kw) for c in element.clauses)
    return f"((CAST(strftime('%s', {at}) AS INTEGER) - {start}) / {step})"


@compiles(bucket_of, "postgresql")
def _bucket_postgresql(element: bucket_of, compiler: Any, **kw: Any) -> str:
    # date_part is a double, which holds a microsecond time exactly enough to floor: a third
    # faster than extract's numeric over a month of rows.
    at, start, step = (compiler.process(c, **kw) for c in element.clauses)
    return f"((CAST(floor(date_part('epoch', {at})) AS BIGINT) - {start}) / {step})"


@dataclass(frozen=True)
class TransitionCount:
    """How many transitions of one kind a service's callbacks made in one bucket of time."""

    service_id: int
    bucket: int  # 0 is the first bucket of the window
    event: CallbackEvent
    from_state: CallbackState | None
    to_state: CallbackState
    count: int


async def transitions_since(
    session: AsyncSession, *, start: datetime, bucket_seconds: int, service_id: int | None
) -> list[TransitionCount]:
    """The callback history from ``start`` on, counted per service, bucket and transition."""
    # The two numbers are written into the statement, not bound: PostgreSQL takes the same
    # expression in SELECT and GROUP BY as one only if it is written the same way.
    bucket: ColumnElement[int] = bucket_of(
        CallbackHistory.at,
        literal_column(str(int(start.timestamp()))),
        literal_column(str(int(bucket_seconds))),
    )
    query = (
        select(
            Callback.service_id,
            bucket.label("bucket"),
            CallbackHistory.event,
            CallbackHistory.from_state,
            CallbackHistory.to_state,
            func.count(),
        )
        .join(Callback, Callback.id == CallbackHistory.callback_id)
        .where(CallbackHistory.at >= start)
        .group_by(
            Callback.service_id,
            bucket,
            CallbackHistory.event,
            CallbackHistory.from_state,
            CallbackHistory.to_state,
        )
    )
    if service_id is not None:
        query = query.where(Callback.service_id == service_id)
    rows = await session.execute(query)
    return [
        TransitionCount(service, int(bucket), event, source, target, count)
        for service, bucket, event, source, target, count in rows
    ]
