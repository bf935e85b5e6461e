"""Expiry: a callback still waiting past its service's expire_after_hours ends expired, with its
history, its slot given back and its webhook event; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ringback.callbacks import repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.expiry import expire_overdue
from ringback.callbacks.models import Callback, SlotBooking
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.webhooks.models import WebhookEvent

pytestmark = pytest.mark.anyio
STAFF = callbacks.Caller(actor="test")


async def ask(db: Database, clock: ManualClock, **fields: object) -> Callback:
    body = {"service": "anytime", "phone": "+44 20 7946 0901", **fields}
    async with db.transaction() as session:
        made = await callbacks.create_callback(
            session, request=CallbackCreate.model_validate(body), caller=STAFF, now=clock.now()
        )
    return made.callback


async def sweep(db: Database, clock: ManualClock) -> list[Callback]:
    async with db.transaction() as session:
        return await expire_overdue(session, now=clock.now(), limit=500)


async def test_a_queued_callback_expires_when_its_time_is_up(
    expiring_db: Database, clock: ManualClock
) -> None:
    callback = await ask(expiring_db, clock)
    assert callback.state is CallbackState.QUEUED
    clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    assert await sweep(expiring_db, clock) == []
    clock.advance(timedelta(seconds=1))
    assert [c.id for c in await sweep(expiring_db, clock)] == [callback.id]
    assert await sweep(expiring_db, clock) == []  # once

    async with expiring_db.transaction() as session:
        stored = await repository.get(session, callback.id)
        history = await repository.history(session, callback.id)
        events = (await session.scalars(select(WebhookEvent).order_by(WebhookEvent.seq))).all()
    assert stored is not None and stored.state is CallbackState.EXPIRED
    last = history[-1]
    assert (last.event, last.from_state, last.to_state, last.actor) == (
        CallbackEvent.EXPIRE,
        CallbackState.QUEUED,
        CallbackState.EXPIRED,
        "scheduler",
    )
    assert last.reason is not None and last.reason.startswith("not handled within 2 hours of ")
    assert [e.type for e in events] == ["callback.created", "callback.expired"]
    assert events[1].callback["state"] == "expired"


async def test_a_scheduled_callback_gives_its_slot_back_when_it_expires(
    expiring_db: Database, clock: ManualClock
) -> None:
    slot = clock.now().replace(minute=0, second=0) + timedelta(hours=1)
    callback = await ask(expiring_db, clock, type="scheduled", desired_time=slot.isoformat())
    assert callback.state is CallbackState.SCHEDULED and callback.slot_start == slot
    clock.set(slot + timedelta(hours=2))  # no node made it due meanwhile
    assert [c.id for c in await sweep(expiring_db, clock)] == [callback.id]
    async with expiring_db.transaction() as session:
        stored = await repository.get(session, callback.id)
        booked = await session.scalar(
            select(SlotBooking.booked).where(SlotBooking.slot_start == slot)
        )
    assert stored is not None and stored.state is CallbackState.EXPIRED
    assert stored.due_at is None and stored.slot_start is None
    assert booked == 0


async def test_a_callback_with_an_agent_or_of_a_service_without_a_limit_does_not_expire(
    expiring_db: Database, clock: ManualClock
) -> None:
    offered = await ask(expiring_db, clock)
    async with expiring_db.transaction() as session:
        row = await repository.get(session, offered.id, for_update=True)
        assert row is not None
        callbacks.change_state(session, row, CallbackEvent.OFFER, actor="routing", now=clock.now())
    elsewhere = await ask(expiring_db, clock, service="returning", phone="+33 6 12 34 56 78")
    clock.advance(timedelta(days=3))
    assert await sweep(expiring_db, clock) == []
    # Refused by the agent, it is back in the queue: the next sweep expires it.
    async with expiring_db.transaction() as session:
        row = await repository.get(session, offered.id, for_update=True)
        assert row is not None
        callbacks.change_state(session, row, CallbackEvent.REJECT, actor="ada", now=clock.now())
    assert [c.id for c in await sweep(expiring_db, clock)] == [offered.id]
    async with expiring_db.transaction() as session:
        kept = await repository.get(session, elsewhere.id)
    assert kept is not None and kept.state is CallbackState.QUEUED


async def test_a_sweep_takes_at_most_its_batch(expiring_db: Database, clock: ManualClock) -> None:
    for n in range(5):
        await ask(expiring_db, clock, phone=f"+44 20 7946 09{n:02d}")
    clock.advance(timedelta(hours=3))
    async with expiring_db.transaction() as session:
        assert len(await expire_overdue(session, now=clock.now(), limit=3)) == 3
    assert len(await sweep(expiring_db, clock)) == 2
