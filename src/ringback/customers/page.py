"""What the customer's page shows and does; every change goes through the Callback API's
use cases (callbacks.service), done as the customer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks import service
from ringback.callbacks.models import Callback
from ringback.callbacks.service import Caller, Position
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType, allowed_events
from ringback.config.repository import Service
from ringback.customers.links import link_alive, verified_callback_id
from ringback.errors import RingbackError

# Who the history names for what the customer did on their page.
CUSTOMER = Caller(actor="customer")
NOTE_MAX_CHARACTERS = 500


@dataclass(frozen=True)
class Day:
    """A day (in the customer's zone) with free slots to move to."""

    day: date
    slots: list[datetime] = field(default_factory=list)  # starts, UTC


@dataclass(frozen=True)
class CustomerView:
    callback: Callback
    service: Service
    zone: ZoneInfo  # the customer's, or the service's when theirs is not known
    position: Position | None  # waiting callbacks only
    days: list[Day]  # where it may move to; empty when it may not move

    @property
    def events(self) -> list[CallbackEvent]:
        return allowed_events(self.callback.state)

    @property
    def can_move(self) -> bool:
        return self.movable(self.callback) and bool(self.days)

    @property
    def can_note(self) -> bool:
        return CallbackEvent.NOTE in self.events

    @property
    def can_cancel(self) -> bool:
        return CallbackEvent.CANCEL in self.events

    @staticmethod
    def movable(callback: Callback) -> bool:
        """Only a booked callback moves, from slot to slot, while it waits."""
        return callback.type is CallbackType.SCHEDULED and CallbackEvent.RESCHEDULE in (
            allowed_events(callback.state)
        )


async def find(
    session: AsyncSession, *, token: str, key: bytes, now: datetime, link_days: int
) -> tuple[Callback, Service] | None:
    """The callback a live link names; None for a bad, tampered or expired one alike."""
    callback_id = verified_callback_id(token, key)
    if callback_id is None:
        return None
    try:
        callback, found_in = await service.get_callback(
            session, callback_id=callback_id, caller=CUSTOMER
        )
    except RingbackError:
        return None
    if not link_alive(callback, now=now, days=link_days):
        return None
    return callback, found_in


async def view(
    session: AsyncSession, *, callback: Callback, found_in: Service, now: datetime
) -> CustomerView:
    """The page's content: the callback, its place in the queue, and the slots it may move to."""
    zone = ZoneInfo(callback.customer_time_zone or found_in.config.time_zone)
    position = None
    if callback.state in (CallbackState.QUEUED, CallbackState.SCHEDULED):
        position = await service.position(
            session, callback_id=callback.id, caller=CUSTOMER, now=now
        )
    days: list[Day] = []
    if CustomerView.movable(callback):
        days = await free_days(session, callback=callback, found_in=found_in, zone=zone, now=now)
    return CustomerView(callback, found_in, zone, position, days)


async def free_days(
    session: AsyncSession, *, callback: Callback, found_in: Service, zone: ZoneInfo, now: datetime
) -> list[Day]:
    """The free slots (from the availability the API shows) other than the callback's own,
    by day in the customer's zone."""
    horizon = now + timedelta(days=found_in.config.booking_horizon_days)
    slots = await service.availability(session, service=found_in, start=now, end=horizon, now=now)
    days: dict[date, Day] = {}
    for slot in slots:
        if slot.available <= 0 or slot.start == callback.slot_start:
            continue
        local_day = slot.start.astimezone(zone).date()
        days.setdefault(local_day, Day(local_day)).slots.append(slot.start)
    return list(days.values())


async def move(
    session: AsyncSession, *, callback_id: uuid.UUID, start: datetime, now: datetime
) -> None:
    """Move the callback to the slot starting at ``start``, by the Callback API's rules."""
    await service.reschedule_callback(
        session, callback_id=callback_id, desired_time=start, caller=CUSTOMER, now=now
    )


async def add_note(
    session: AsyncSession, *, callback_id: uuid.UUID, note: str, now: datetime
) -> None:
    await service.add_customer_note(
        session, callback_id=callback_id, note=note, caller=CUSTOMER, now=now
    )


async def cancel(session: AsyncSession, *, callback_id: uuid.UUID, now: datetime) -> None:
    await service.cancel_callback(
        session,
        callback_id=callback_id,
        caller=CUSTOMER,
        now=now,
        reason="cancelled by the customer on their page",
    )
