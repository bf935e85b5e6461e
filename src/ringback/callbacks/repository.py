"""Every SQL statement about callbacks."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks.models import Callback, CallbackHistory, IdempotencyKey, SlotBooking
from ringback.callbacks.states import ACTIVE_STATES, WAITING_LIST_STATES, CallbackState
from ringback.db import upsert


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
    """Queued callbacks of the same queue that routing takes before this one."""
    assert callback.queued_at is not None
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(
                Callback.queue_id == callback.queue_id,
                Callback.state == CallbackState.QUEUED,
                or_(
                    Callback.priority > callback.priority,
                    and_(
                        Callback.priority == callback.priority,
                        or_(
                            Callback.queued_at < callback.queued_at,
                            and_(
                                Callback.queued_at == callback.queued_at, Callback.id < callback.id
                            ),
                        ),
                    ),
                ),
            )
        )
        or 0
    )


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
    """Per service and waiting state: how many, the oldest queued_at, the earliest due_at."""
    rows = await session.execute(
        select(
            Callback.service_id,
            Callback.state,
            func.count(),
            func.min(Callback.queued_at),
            func.min(Callback.due_at),
        )
        .where(Callback.state.in_(WAITING_LIST_STATES))
        .group_by(Callback.service_id, Callback.state)
    )
    return [WaitingCount(*row) for row in rows]


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
