"""Every SQL statement about callbacks."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    Row,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from ringback import ratelimit
from ringback.callbacks.models import (
    OLDEST_QUEUED,
    Callback,
    CallbackHistory,
    IdempotencyKey,
    SlotBooking,
    WaitingCountRow,
    waiting_changes,
)
from ringback.callbacks.states import (
    ACTIVE_STATES,
    CallbackEvent,
    CallbackState,
)
from ringback.contacts.models import Contact, ContactHistory, ContactPhone
from ringback.db import upsert
from ringback.outbox import OutboxEvent
from ringback.webhooks.models import WebhookEvent


async def get(
    session: AsyncSession, callback_id: uuid.UUID, *, for_update: bool = False
) -> Callback | None:
    query = select(Callback).where(Callback.id == callback_id)
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def active_for_phone(
    session: AsyncSession, *, service_id: int, phone: str
) -> Sequence[Callback]:
    """Active callbacks of a number on a service, oldest first, locked: they may be replaced."""
    return (
        await session.scalars(
            select(Callback)
            .where(
                Callback.phone == phone,
                Callback.service_id == service_id,
                Callback.state.in_(ACTIVE_STATES),
            )
            .order_by(Callback.created_at, Callback.id)
            .with_for_update()
        )
    ).all()


async def count_active_for_service(session: AsyncSession, service_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(Callback.service_id == service_id, Callback.state.in_(ACTIVE_STATES))
        )
        or 0
    )


async def book_slot(
    session: AsyncSession, *, service_id: int, slot_start: datetime, capacity: int
) -> bool:
    """Take one place in a slot if one is left; atomic under concurrent bookings."""
    insert = upsert(session)
    await session.execute(
        insert(SlotBooking)
        .values(service_id=service_id, slot_start=slot_start, booked=0)
        .on_conflict_do_nothing()
    )
    result = await session.execute(
        update(SlotBooking)
        .where(
            SlotBooking.service_id == service_id,
            SlotBooking.slot_start == slot_start,
            SlotBooking.booked < capacity,
        )
        .values(booked=SlotBooking.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def release_slot(session: AsyncSession, *, service_id: int, slot_start: datetime) -> None:
    await session.execute(
        update(SlotBooking)
        .where(
            SlotBooking.service_id == service_id,
            SlotBooking.slot_start == slot_start,
            SlotBooking.booked > 0,
        )
        .values(booked=SlotBooking.booked - 1)
        .execution_options(synchronize_session=False)
    )


async def bookings(
    session: AsyncSession, *, service_id: int, start: datetime, end: datetime
) -> dict[datetime, int]:
    rows = await session.execute(
        select(SlotBooking.slot_start, SlotBooking.booked).where(
            SlotBooking.service_id == service_id,
            SlotBooking.slot_start >= start,
            SlotBooking.slot_start < end,
        )
    )
    return {slot_start: booked for slot_start, booked in rows}


async def idempotency_key(
    session: AsyncSession, *, api_key_id: int, key: str
) -> IdempotencyKey | None:
    return await session.get(IdempotencyKey, (api_key_id, key))


async def prune_idempotency_keys(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))


async def due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[Callback]:
    """Callbacks whose time has come, locked; rows another node holds are skipped."""
    return (
        await session.scalars(
            select(Callback)
            .where(Callback.due_at.is_not(None), Callback.due_at <= now)
            .order_by(Callback.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def queued_for_routing(session: AsyncSession, *, limit: int) -> Sequence[Callback]:
    """The head of every queue, locked; rows another routing engine holds are skipped."""
    return (
        await session.scalars(
            select(Callback)
            .where(Callback.state == CallbackState.QUEUED)
            .order_by(Callback.priority.desc(), Callback.queued_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def next_due_at(session: AsyncSession) -> datetime | None:
    """The earliest due time of any waiting callback (read from the due-time index)."""
    return await session.scalar(
        select(Callback.due_at)
        .where(Callback.due_at.is_not(None))
        .order_by(Callback.due_at)
        .limit(1)
    )


async def count_ahead(session: AsyncSession, callback: Callback) -> int:
    """Queued callbacks of the same queue that routing takes before this one.

    Two ranges of one index, counted without reading the table: the higher priorities, then
    the same priority queued before it (``(queued_at, id)`` compared as a row, which bounds
    the range where an ``OR`` would not). The work grows with the callbacks ahead only."""
    assert callback.queued_at is not None
    queued = (Callback.queue_id == callback.queue_id, Callback.state == CallbackState.QUEUED)
    higher = (
        select(func.count())
        .select_from(Callback)
        .where(*queued, Callback.priority > callback.priority)
        .scalar_subquery()
    )
    earlier = (
        select(func.count())
        .select_from(Callback)
        .where(
            *queued,
            Callback.priority == callback.priority,
            tuple_(Callback.queued_at, Callback.id)
            < tuple_(
                literal(callback.queued_at, Callback.queued_at.type),
                literal(callback.id, Callback.id.type),
            ),
        )
        .scalar_subquery()
    )
    return int(await session.scalar(select(higher + earlier)) or 0)


async def page(
    session: AsyncSession,
    *,
    service_ids: Sequence[int] | None,
    phone: str | None,
    state: CallbackState | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Callback]:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = select(Callback).order_by(Callback.created_at.desc(), Callback.id.desc()).limit(limit)
    if service_ids is not None:
        query = query.where(Callback.service_id.in_(service_ids))
    if phone is not None:
        query = query.where(Callback.phone == phone)
    if state is not None:
        query = query.where(Callback.state == state)
    if after is not None:
        created_at, callback_id = after
        # The first condition bounds the index range; the second breaks ties on the id.
        query = query.where(
            Callback.created_at <= created_at,
            or_(Callback.created_at < created_at, Callback.id < callback_id),
        )
    return (await session.scalars(query)).all()


async def history(session: AsyncSession, callback_id: uuid.UUID) -> Sequence[CallbackHistory]:
    return (
        await session.scalars(
            select(CallbackHistory)
            .where(CallbackHistory.callback_id == callback_id)
            .order_by(CallbackHistory.id)
        )
    ).all()


async def recent_steps(
    session: AsyncSession, *, queue_id: int, since: datetime, limit: int
) -> Sequence[Row[uuid.UUID, int, datetime, CallbackEvent, CallbackState, int]]:
    """(callback, id, at, event, to_state, service) of the newest history rows of the queue's
    callbacks since ``since``, at most ``limit``: read back from the end of the time index."""
    return (
        await session.execute(
            select(
                CallbackHistory.callback_id,
                CallbackHistory.id,
                CallbackHistory.at,
                CallbackHistory.event,
                CallbackHistory.to_state,
                Callback.service_id,
            )
            .join(Callback, Callback.id == CallbackHistory.callback_id)
            # "+ 0": SQLite keeps no statistics and, given an index on queue_id, starts from every
            # callback the queue ever had and sorts their whole history (0.7 s at 100,000
            # stored); without one it reads back from the end of the time index, as wanted.
            .where(CallbackHistory.at >= since, Callback.queue_id + 0 == queue_id)
            .order_by(CallbackHistory.at.desc(), CallbackHistory.id.desc())
            .limit(limit)
        )
    ).all()


async def counts_by_state(
    session: AsyncSession, states: Collection[CallbackState]
) -> dict[CallbackState, int]:
    """How many callbacks are in each of ``states``: a range of the state index, so ask for the
    few waiting and active states, not for the finished ones, which grow without end."""
    rows = await session.execute(
        select(Callback.state, func.count())
        .where(Callback.state.in_(states))
        .group_by(Callback.state)
    )
    return {state: count for state, count in rows}


@dataclass(frozen=True)
class WaitingCount:
    service_id: int
    state: CallbackState
    count: int
    oldest_queued_at: datetime | None
    next_due_at: datetime | None


async def waiting_counts(session: AsyncSession) -> list[WaitingCount]:
    """Per service and waiting state: how many, the oldest queued_at (of the queued ones),
    the earliest due_at.

    The count is the folded count plus the changes not folded yet, read in one statement (one
    snapshot), so it is exact; the two times are each the head of an index. None of it reads
    the waiting callbacks one by one."""
    parts = union_all(
        select(WaitingCountRow.service_id, WaitingCountRow.state, WaitingCountRow.count),
        select(waiting_changes.c.service_id, waiting_changes.c.state, waiting_changes.c.change),
    ).subquery()
    total = func.sum(parts.c.count)
    totals = (
        select(parts.c.service_id, parts.c.state, total.label("count"))
        .group_by(parts.c.service_id, parts.c.state)
        .having(total > 0)
        .subquery()
    )
    service = Callback.service_id == totals.c.service_id
    # Written as the partial index's condition, a literal: both engines then use the index.
    oldest = case(
        (
            totals.c.state == CallbackState.QUEUED.value,
            select(func.min(Callback.queued_at))
            .where(service, text(OLDEST_QUEUED))
            .scalar_subquery(),
        )
    )
    next_due = (
        select(func.min(Callback.due_at))
        .where(service, Callback.state == totals.c.state, Callback.due_at.is_not(None))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(totals.c.service_id, totals.c.state, totals.c.count, oldest, next_due)
    )
    return [
        WaitingCount(service_id, CallbackState(state), int(count), oldest_at, due_at)
        for service_id, state, count, oldest_at, due_at in rows
    ]


# One statement: the changes it deletes are the ones it adds (those committed before it began).
_FOLD_POSTGRESQL = text(
    "WITH gone AS (DELETE FROM callback_waiting_changes RETURNING service_id, state, change) "
    "INSERT INTO callback_waiting_counts (service_id, state, count) "
    "SELECT service_id, state, sum(change) FROM gone GROUP BY service_id, state "
    "ON CONFLICT (service_id, state) "
    "DO UPDATE SET count = callback_waiting_counts.count + excluded.count"
)
# Two statements in one transaction; SQLite lets no other writer in between.
_FOLD_SQLITE = (
    text(
        "INSERT INTO callback_waiting_counts (service_id, state, count) "
        "SELECT service_id, state, sum(change) FROM callback_waiting_changes WHERE true "
        "GROUP BY service_id, state "
        "ON CONFLICT (service_id, state) "
        "DO UPDATE SET count = callback_waiting_counts.count + excluded.count"
    ),
    text("DELETE FROM callback_waiting_changes"),
)


async def fold_waiting_changes(session: AsyncSession) -> None:
    """Add the waiting changes committed so far to the counts, and delete them. Readers see
    the same totals before and after; only the rows they add up become fewer."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_FOLD_POSTGRESQL)
        return
    for statement in _FOLD_SQLITE:
        await session.execute(statement)


async def waiting(session: AsyncSession, *, service_id: int | None, limit: int) -> list[Callback]:
    """Waiting callbacks, oldest first: in the queue or offered by queued_at, then the
    scheduled ones by due_at. Each state is read in index order, at most ``limit`` rows."""
    found: list[tuple[datetime, uuid.UUID, Callback]] = []
    for state in (CallbackState.QUEUED, CallbackState.OFFERED):
        query = select(Callback).where(Callback.state == state)
        if service_id is not None:
            query = query.where(Callback.service_id == service_id)
        rows = await session.scalars(query.order_by(Callback.queued_at, Callback.id).limit(limit))
        found += [(c.queued_at or c.created_at, c.id, c) for c in rows]
    scheduled = select(Callback).where(
        Callback.due_at.is_not(None), Callback.state == CallbackState.SCHEDULED
    )
    if service_id is not None:
        scheduled = scheduled.where(Callback.service_id == service_id)
    rows = await session.scalars(scheduled.order_by(Callback.due_at, Callback.id).limit(limit))
    found += [(c.due_at or c.created_at, c.id, c) for c in rows]
    found.sort(key=lambda entry: (entry[0], entry[1]))
    return [callback for _, _, callback in found[:limit]]


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Callback]:
    if not ids:
        return []
    return (await session.scalars(select(Callback).where(Callback.id.in_(ids)))).all()


@dataclass(frozen=True)
class NumberOnFile:
    """What a new request needs to know of its number before anything is written."""

    phone_hits: int | None  # the number's hits in its budget's window, this request counted
    active: list[tuple[uuid.UUID, CallbackState]]  # on the service, oldest first, locked
    contact_id: uuid.UUID | None  # the live contact holding the number
    contact_named: bool  # whether that contact has a name


# Intake's statements are built once per dialect and shape, then only given parameters: building
# them for every request cost more than running them.
_BUILT: dict[tuple[Any, ...], Any] = {}


def _built(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return found


def _number_on_file_statement(dialect: str, counted: bool) -> Any:
    callbacks = Callback.__table__.c
    active = (
        select(callbacks.id, callbacks.state, callbacks.created_at)
        .where(
            callbacks.phone == bindparam("phone"),
            callbacks.service_id == bindparam("service_id"),
            callbacks.state.in_(ACTIVE_STATES),
        )
        .with_for_update()
        .cte("active")
    )
    holder, merged = Contact.__table__.alias("holder"), Contact.__table__.alias("merged")
    phones = ContactPhone.__table__.c
    contact = (
        select(
            func.coalesce(merged.c.id, holder.c.id).label("contact_id"),
            (
                func.coalesce(merged.c.first_name, holder.c.first_name)
                + func.coalesce(merged.c.last_name, holder.c.last_name)
                != ""
            ).label("named"),
        )
        .select_from(
            ContactPhone.__table__.join(holder, holder.c.id == phones.contact_id).outerjoin(
                merged, merged.c.id == holder.c.merged_into
            )
        )
        .where(phones.number == bindparam("phone"))
        .cte("contact")
    )
    if counted:
        head = select(ratelimit.count_statement(dialect).cte("counted").c.hits).cte("head")
    else:
        head = select(null().label("hits")).cte("head")
    return (
        select(head.c.hits, contact.c.contact_id, contact.c.named, active.c.id, active.c.state)
        .select_from(head)
        .outerjoin(contact, true())
        .outerjoin(active, true())
        .order_by(active.c.created_at, active.c.id)
    )


async def number_on_file(
    session: AsyncSession,
    *,
    service_id: int,
    phone: str,
    budget: ratelimit.Budget | None,
    now: datetime,
) -> NumberOnFile:
    """Count the request in the number's budget and read the number's active callbacks and its
    contact: one statement on PostgreSQL, two on SQLite (which has no INSERT in a WITH).

    The caller holds the number's lock, so what is read stays true until it commits."""
    dialect = session.get_bind().dialect.name
    counted = budget is not None and dialect == "postgresql"
    parameters: dict[str, Any] = {"phone": phone, "service_id": service_id}
    hits: int | None = None
    if budget is not None:
        if counted:
            parameters.update(ratelimit.count_parameters(budget, now))
        else:
            hits = await ratelimit.count(session, budget, now=now)
    statement = _built(
        ("number_on_file", dialect, counted),
        lambda: _number_on_file_statement(dialect, counted),
    )
    rows = (await session.execute(statement, parameters)).all()
    first = rows[0]
    return NumberOnFile(
        phone_hits=first.hits if hits is None else hits,
        active=[(row.id, CallbackState(row.state)) for row in rows if row.id is not None],
        contact_id=first.contact_id,
        contact_named=bool(first.named),
    )


@dataclass(frozen=True)
class RequestRows:
    """The rows a new callback request writes, as column values (a column left out is NULL)."""

    callback: dict[str, Any]
    history: dict[str, Any]
    contact_history: dict[str, Any]
    outbox: dict[str, Any]
    webhook_event: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None  # a new contact, with
    contact_phone: dict[str, Any] | None = None  # the number it holds


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _request_tables(rows: RequestRows) -> list[tuple[str, Table, dict[str, Any]]]:
    """The tables in the order their foreign keys ask for (SQLite checks them row by row)."""
    tables: list[tuple[str, Table, dict[str, Any]]] = []
    if rows.contact is not None:
        tables.append(("contact", _table(Contact), rows.contact))
    if rows.contact_phone is not None:
        tables.append(("contact_phone", _table(ContactPhone), rows.contact_phone))
    tables += [
        ("callback", _table(Callback), rows.callback),
        ("history", _table(CallbackHistory), rows.history),
        ("contact_history", _table(ContactHistory), rows.contact_history),
        ("outbox", _table(OutboxEvent), rows.outbox),
    ]
    if rows.webhook_event is not None:
        tables.append(("webhook_event", _table(WebhookEvent), rows.webhook_event))
    return tables


# Columns that hold the same value in every row of a request share one parameter: psycopg
# caches the parsing of a statement only up to 50 parameters.
_SHARED = {
    ("callback", "id"): "callback_id",
    ("contact", "id"): "contact_id",
    **{(prefix, "callback_id"): "callback_id" for prefix in ("history", "contact_history")},
    **{(prefix, "contact_id"): "contact_id" for prefix in ("callback", "contact_phone")},
    ("contact_history", "contact_id"): "contact_id",
    ("webhook_event", "callback_id"): "callback_id",
    ("webhook_event", "service_id"): "callback_service_id",
    **{(prefix, "created_at"): "now" for prefix in ("callback", "contact", "outbox")},
    **{(prefix, "updated_at"): "now" for prefix in ("callback", "contact")},
    **{(prefix, "at"): "now" for prefix in ("history", "contact_history")},
    ("webhook_event", "occurred_at"): "now",
}


def _parameter(prefix: str, column: str) -> str:
    return _SHARED.get((prefix, column)) or f"{prefix}_{column}"


def _write_request_statement(tables: list[tuple[str, Table, dict[str, Any]]]) -> Any:
    inserts = [
        insert(table).values(
            {
                column: bindparam(_parameter(prefix, column), type_=table.c[column].type)
                for column in values
            }
        )
        for prefix, table, values in tables
    ]
    *others, last = inserts
    # Foreign keys are checked at the end of a statement, so the order within it is free.
    return last.add_cte(*(other.cte(f"write_{i}") for i, other in enumerate(others)))


def _request_parameters(tables: list[tuple[str, Table, dict[str, Any]]]) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for prefix, _, values in tables:
        for column, value in values.items():
            name = _parameter(prefix, column)
            if name in parameters and parameters[name] != value:
                raise ValueError(f"{prefix}.{column} differs from the other rows' {name}")
            parameters[name] = value
    return parameters


async def write_request(session: AsyncSession, rows: RequestRows, callback: Callback) -> None:
    """Write a new request's rows: one statement on PostgreSQL, one a row on SQLite. ``callback``
    (built from ``rows.callback``) is then in the session as if it had been loaded, so later
    changes to it are written."""
    # Columns left NULL are left out, so that each shape of request has one statement.
    tables = [
        (prefix, table, {k: v for k, v in values.items() if v is not None})
        for prefix, table, values in _request_tables(rows)
    ]
    if session.get_bind().dialect.name == "postgresql":
        shape = tuple((prefix, tuple(values)) for prefix, _, values in tables)
        statement = _built(("write_request", shape), lambda: _write_request_statement(tables))
        await session.execute(statement, _request_parameters(tables))
    else:
        for prefix, table, values in tables:
            await session.execute(_built(("insert", prefix), partial(insert, table)), values)
    make_transient_to_detached(callback)
    session.add(callback)


async def rename_unnamed_contact(
    session: AsyncSession, contact_id: uuid.UUID, names: dict[str, str], *, now: datetime
) -> None:
    """Give a contact known only by its number the name a request came with."""
    await session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.first_name == "", Contact.last_name == "")
        .values(**names, updated_at=now)
        .execution_options(synchronize_session=False)
    )
