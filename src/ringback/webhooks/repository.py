"""SQL for webhook endpoints, events, deliveries and attempts."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ringback.db import UTCDateTime
from ringback.webhooks.models import (
    DeliveryState,
    EndpointSource,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

PENDING = DeliveryState.PENDING


# Endpoints


async def endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint | None:
    query = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def endpoints(
    session: AsyncSession, *, api_key_id: int | None = None, source: EndpointSource | None = None
) -> Sequence[WebhookEndpoint]:
    """Endpoints oldest first: every one, or those of one key, or those of one source."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    if api_key_id is not None:
        query = query.where(WebhookEndpoint.api_key_id == api_key_id)
    if source is not None:
        query = query.where(WebhookEndpoint.source == source)
    return (await session.scalars(query)).all()


async def count_for_key(session: AsyncSession, api_key_id: int) -> int:
    return int(
        await session.scalar(select(func.count()).where(WebhookEndpoint.api_key_id == api_key_id))
        or 0
    )


async def pending_by_endpoint(
    session: AsyncSession, endpoint_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, datetime | None]]:
    """For each endpoint: deliveries waiting, and when the oldest of them was made."""
    if not endpoint_ids:
        return {}
    rows = await session.execute(
        select(
            WebhookDelivery.endpoint_id,
            func.count(),
            func.min(WebhookDelivery.created_at),
        )
        .where(WebhookDelivery.state == PENDING, WebhookDelivery.endpoint_id.in_(endpoint_ids))
        .group_by(WebhookDelivery.endpoint_id)
    )
    return {endpoint_id: (int(count), oldest) for endpoint_id, count, oldest in rows}


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    # Deleted explicitly rather than left to ON DELETE CASCADE: one statement each, oldest
    # table last, the same on both engines.
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    await session.delete(endpoint)


async def release_held(session: AsyncSession, endpoint_id: uuid.UUID, *, now: datetime) -> None:
    """An endpoint enabled again: what waited for it is due now, with a new retry horizon."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == PENDING)
        .values(next_attempt_at=now, first_attempt_at=None, failures=0, lease_until=None)
    )


# Events


async def take_fan_out_turn(session: AsyncSession) -> bool:
    """One node at a time makes deliveries from events, so that a callback's deliveries are
    made in the order of its events. On SQLite the single writer already serialises this."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended('webhooks:fan-out', 0))")
        )
    )


async def unfanned_events(session: AsyncSession, *, limit: int) -> list[int]:
    """The oldest events whose deliveries are not made yet."""
    rows = await session.scalars(
        select(WebhookEvent.seq)
        .where(WebhookEvent.fanned_out_at.is_(None))
        .order_by(WebhookEvent.seq)
        .limit(limit)
    )
    return list(rows)


async def mark_fanned_out(session: AsyncSession, seqs: Sequence[int], *, now: datetime) -> None:
    await session.execute(
        update(WebhookEvent).where(WebhookEvent.seq.in_(seqs)).values(fanned_out_at=now)
    )


async def event(session: AsyncSession, seq: int) -> WebhookEvent | None:
    return await session.get(WebhookEvent, seq)


async def events(session: AsyncSession, seqs: Collection[int]) -> dict[int, WebhookEvent]:
    if not seqs:
        return {}
    rows = await session.scalars(select(WebhookEvent).where(WebhookEvent.seq.in_(seqs)))
    return {row.seq: row for row in rows}


def matching(
    types: Collection[str] | None, service_ids: Collection[int] | None
) -> list[ColumnElement[bool]]:
    """The events an endpoint wants: of its types (None: all), of its services (None: all)."""
    conditions: list[ColumnElement[bool]] = []
    if types is not None:
        conditions.append(WebhookEvent.type.in_(types) if types else false())
    if service_ids is not None:
        conditions.append(WebhookEvent.service_id.in_(service_ids) if service_ids else false())
    return conditions


async def add_deliveries(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    where: Sequence[ColumnElement[bool]],
    now: datetime,
    redelivery: bool,
) -> int:
    """A delivery to the endpoint for each event that matches ``where``, in event order."""
    chosen = (
        select(
            literal(endpoint_id),
            WebhookEvent.seq,
            WebhookEvent.callback_id,
            literal(str(PENDING)),
            literal(redelivery),
            literal(0),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        )
        .where(*where)
        .order_by(WebhookEvent.seq)
    )
    result = await session.execute(
        insert(WebhookDelivery)
        .from_select(
            [
                "endpoint_id",
                "event_seq",
                "callback_id",
                "state",
                "redelivery",
                "attempts",
                "failures",
                "next_attempt_at",
                "created_at",
            ],
            chosen,
        )
        .returning(WebhookDelivery.id)
    )
    return len(result.all())


async def prune_events(session: AsyncSession, *, before: datetime) -> None:
    """Forget events older than ``before`` with their deliveries, whatever their state."""
    old = select(WebhookEvent.seq).where(
        WebhookEvent.occurred_at < before, WebhookEvent.fanned_out_at.is_not(None)
    )
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.event_seq.in_(old))
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_seq.in_(old)))
    await session.execute(
        delete(WebhookEvent).where(
            WebhookEvent.occurred_at < before, WebhookEvent.fanned_out_at.is_not(None)
        )
    )


# Deliveries


async def claim(
    session: AsyncSession, *, endpoint_id: uuid.UUID, now: datetime, limit: int
) -> Sequence[WebhookDelivery]:
    """Deliveries of the endpoint due now, each the next of its callback, locked (SKIP LOCKED)."""
    other = aliased(WebhookDelivery)
    waits = exists().where(
        other.endpoint_id == WebhookDelivery.endpoint_id,
        other.callback_id == WebhookDelivery.callback_id,
        other.state == PENDING,
        other.id != WebhookDelivery.id,
        or_(
            other.event_seq < WebhookDelivery.event_seq,
            and_(other.event_seq == WebhookDelivery.event_seq, other.id < WebhookDelivery.id),
            other.lease_until > literal(now, UTCDateTime()),
        ),
    )
    return (
        await session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.state == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until <= now),
                ~waits,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def delivery(
    session: AsyncSession, delivery_id: int, *, for_update: bool = False
) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def deliveries_page(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    state: DeliveryState | None,
    callback_id: uuid.UUID | None,
    event_type: str | None,
    before: int | None,
    limit: int,
) -> Sequence[tuple[WebhookDelivery, WebhookEvent]]:
    """The endpoint's deliveries, newest first."""
    query = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.seq == WebhookDelivery.event_seq)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    if callback_id is not None:
        query = query.where(WebhookDelivery.callback_id == callback_id)
    if event_type is not None:
        query = query.where(WebhookEvent.type == event_type)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def attempts(session: AsyncSession, delivery_id: int) -> Sequence[WebhookAttempt]:
    return (
        await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    ).all()


async def next_attempt_at(session: AsyncSession, *, after: datetime) -> datetime | None:
    """The earliest time after ``after`` that a delivery to an enabled endpoint is due."""
    return await session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at))
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.state == PENDING,
            WebhookDelivery.next_attempt_at > after,
            WebhookEndpoint.enabled,
        )
    )
