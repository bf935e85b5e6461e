"""Callback use cases against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ringback.callbacks import repository, service
from ringback.callbacks.models import Callback, CallbackHistory, SlotBooking
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType
from ringback.clock import ManualClock
from ringback.db import CommitNotice, Database
from ringback.errors import RingbackError
from ringback.outbox import OutboxEvent

pytestmark = pytest.mark.anyio
STAFF = service.Caller(actor="test")
# 10:00 in New York on Monday 7 December 2026 (the clock starts at that instant).
TEN_AM = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def request(**fields: object) -> CallbackCreate:
    body: dict[str, object] = {"service": "support", "phone": "(212) 555-0142"}
    body.update(fields)
    return CallbackCreate.model_validate(body)


async def create(db: Database, clock: ManualClock, **fields: object) -> Callback:
    async with db.transaction() as session:
        result = await service.create_callback(
            session, request=request(**fields), caller=STAFF, now=clock.now()
        )
    return result.callback


async def states_of(db: Database) -> list[CallbackState]:
    async with db.transaction() as session:
        return list(
            (await session.scalars(select(Callback.state).order_by(Callback.created_at))).all()
        )


async def test_immediate_callback_is_queued_at_once_with_its_number_in_e164(
    configured_db: Database, clock: ManualClock
) -> None:
    callback = await create(
        configured_db, clock, type="immediate", name="Dana", data={"account": "77"}
    )
    assert callback.state is CallbackState.QUEUED
    assert callback.phone == "+12125550142"
    assert callback.queued_at == clock.now()
    assert callback.due_at is None
    assert callback.customer_time_zone == "America/New_York"
    async with configured_db.transaction() as session:
        stored = await repository.get(session, callback.id)
        entries = await repository.history(session, callback.id)
    assert stored is not None and stored.data == {"account": "77"}
    assert [(e.event, e.from_state, e.to_state) for e in entries] == [
        (CallbackEvent.CREATE, None, CallbackState.QUEUED)
    ]


async def test_immediate_callback_while_closed_waits_for_the_opening(
    configured_db: Database, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 21:00 Sunday in New York
    callback = await create(configured_db, clock, type="immediate")
    assert callback.state is CallbackState.SCHEDULED
    assert callback.due_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Monday 09:00 local


async def test_delayed_without_time_uses_the_service_delay(
    configured_db: Database, clock: ManualClock
) -> None:
    callback = await create(configured_db, clock, type="delayed")
    assert callback.state is CallbackState.SCHEDULED
    assert callback.due_at == clock.now() + timedelta(minutes=20)


async def test_scheduled_callbacks_fill_a_slot_then_are_refused(
    configured_db: Database, clock: ManualClock
) -> None:
    at = TEN_AM + timedelta(hours=1, minutes=5)  # inside the 11:00-11:30 slot
    first = await create(
        configured_db, clock, type="scheduled", desired_time=at.isoformat(), phone="+12125550101"
    )
    await create(
        configured_db, clock, type="scheduled", desired_time=at.isoformat(), phone="+12125550102"
    )
    with pytest.raises(RingbackError) as refused:
        await create(
            configured_db,
            clock,
            type="scheduled",
            desired_time=at.isoformat(),
            phone="+12125550103",
        )
    assert refused.value.code == "slot-full"
    assert refused.value.field == "desired_time"
    assert first.slot_start == TEN_AM + timedelta(hours=1)
    assert len(await states_of(configured_db)) == 2


async def test_cancel_frees_the_slot(configured_db: Database, clock: ManualClock) -> None:
    at = (TEN_AM + timedelta(hours=2)).isoformat()
    first = await create(
        configured_db, clock, type="scheduled", desired_time=at, phone="+12125550101"
    )
    await create(configured_db, clock, type="scheduled", desired_time=at, phone="+12125550102")
    async with configured_db.transaction() as session:
        await service.cancel_callback(
            session, callback_id=first.id, caller=STAFF, now=clock.now(), reason="no longer needed"
        )
    third = await create(
        configured_db, clock, type="scheduled", desired_time=at, phone="+12125550103"
    )
    assert third.state is CallbackState.SCHEDULED
    async with configured_db.transaction() as session:
        cancelled = await repository.get(session, first.id)
        booked = await session.scalar(select(SlotBooking.booked))
    assert cancelled is not None and cancelled.state is CallbackState.CANCELLED
    assert cancelled.due_at is None
    assert booked == 2


async def test_a_cancelled_callback_cannot_be_cancelled_again(
    configured_db: Database, clock: ManualClock
) -> None:
    callback = await create(configured_db, clock)
    async with configured_db.transaction() as session:
        await service.cancel_callback(
            session, callback_id=callback.id, caller=STAFF, now=clock.now(), reason=None
        )
    with pytest.raises(RingbackError) as refused:
        async with configured_db.transaction() as session:
            await service.cancel_callback(
                session, callback_id=callback.id, caller=STAFF, now=clock.now(), reason=None
            )
    assert refused.value.code == "illegal-transition"
    assert refused.value.status == 409


async def test_reschedule_moves_the_booking(configured_db: Database, clock: ManualClock) -> None:
    callback = await create(
        configured_db,
        clock,
        type="scheduled",
        desired_time=(TEN_AM + timedelta(hours=1)).isoformat(),
    )
    later = TEN_AM + timedelta(days=1, hours=3)
    async with configured_db.transaction() as session:
        moved, _ = await service.reschedule_callback(
            session, callback_id=callback.id, desired_time=later, caller=STAFF, now=clock.now()
        )
    assert moved.due_at == later and moved.slot_start == later
    async with configured_db.transaction() as session:
        slots = dict(
            (await session.execute(select(SlotBooking.slot_start, SlotBooking.booked))).all()
        )
        entries = await repository.history(session, callback.id)
    assert slots == {TEN_AM + timedelta(hours=1): 0, later: 1}
    assert [e.event for e in entries] == [CallbackEvent.CREATE, CallbackEvent.RESCHEDULE]


async def test_reschedule_to_a_closed_time_changes_nothing(
    configured_db: Database, clock: ManualClock
) -> None:
    at = TEN_AM + timedelta(hours=1)
    callback = await create(configured_db, clock, type="scheduled", desired_time=at.isoformat())
    with pytest.raises(RingbackError) as refused:
        async with configured_db.transaction() as session:
            await service.reschedule_callback(
                session,
                callback_id=callback.id,
                desired_time=datetime(2026, 12, 13, 16, tzinfo=UTC),  # a Sunday
                caller=STAFF,
                now=clock.now(),
            )
    assert refused.value.code == "outside-office-hours"
    async with configured_db.transaction() as session:
        stored = await repository.get(session, callback.id)
        booked = await session.scalar(select(SlotBooking.booked))
    assert stored is not None and stored.due_at == at and booked == 1


async def test_duplicate_policy_reject(configured_db: Database, clock: ManualClock) -> None:
    first = await create(configured_db, clock)
    with pytest.raises(RingbackError) as refused:
        await create(configured_db, clock, phone="+1 212 555 0142")
    assert refused.value.code == "duplicate-callback"
    assert refused.value.extra["existing"] == [str(first.id)]


async def test_duplicate_policy_return_existing(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        first = await service.create_callback(
            session,
            request=request(service="returning", phone="06 12 34 56 78"),
            caller=STAFF,
            now=clock.now(),
        )
    async with configured_db.transaction() as session:
        again = await service.create_callback(
            session,
            request=request(service="returning", phone="+33612345678"),
            caller=STAFF,
            now=clock.now(),
        )
    assert again.created is False
    assert again.callback.id == first.callback.id


async def test_duplicate_policy_replace_cancels_the_oldest(
    configured_db: Database, clock: ManualClock
) -> None:
    ids = []
    for _ in range(3):
        async with configured_db.transaction() as session:
            made = await service.create_callback(
                session,
                request=request(service="anytime", phone="+44 20 7946 0018"),
                caller=STAFF,
                now=clock.now(),
            )
        ids.append(made.callback.id)
        clock.advance(timedelta(seconds=1))
    assert await states_of(configured_db) == [
        CallbackState.CANCELLED,
        CallbackState.QUEUED,
        CallbackState.QUEUED,
    ]
    async with configured_db.transaction() as session:
        contacts = set(await session.scalars(select(Callback.contact_id)))
        events = [
            (event.topic, event.payload["callback_id"])
            for event in await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        ]
    assert len(contacts) == 1
    # The oldest is cancelled before the newest is announced.
    assert events[-2:] == [
        ("callback.cancelled", str(ids[0])),
        ("callback.queued", str(ids[2])),
    ]


async def test_idempotent_retry_returns_the_same_callback(
    configured_db: Database, clock: ManualClock
) -> None:
    from ringback.apikeys.service import create_key

    async with configured_db.transaction() as session:
        issued = await create_key(session, name="web", services=["support"], now=clock.now())
    caller = service.Caller(
        actor="api-key:web", api_key_id=issued.key.id, services=frozenset({"support"})
    )
    results = []
    for _ in range(2):
        async with configured_db.transaction() as session:
            results.append(
                await service.create_callback(
                    session,
                    request=request(),
                    caller=caller,
                    now=clock.now(),
                    idempotency_key="k-1",
                )
            )
    assert results[0].created and not results[1].created
    assert results[0].callback.id == results[1].callback.id
    with pytest.raises(RingbackError) as refused:
        async with configured_db.transaction() as session:
            await service.create_callback(
                session,
                request=request(name="Other"),
                caller=caller,
                now=clock.now(),
                idempotency_key="k-1",
            )
    assert refused.value.code == "idempotency-key-reused"
    assert len(await states_of(configured_db)) == 1


async def test_make_due_queues_each_callback_once_and_never_early(
    configured_db: Database, clock: ManualClock
) -> None:
    for minutes in (30, 60, 90):
        await create(
            configured_db,
            clock,
            type="delayed",
            desired_time=(clock.now() + timedelta(minutes=minutes)).isoformat(),
            phone=f"+1212555{minutes:04d}",
        )
    clock.advance(timedelta(minutes=59))
    async with configured_db.transaction() as session:
        first = await service.make_due(session, now=clock.now(), limit=100)
    assert [due for _, due in first] == [TEN_AM + timedelta(minutes=30)]
    async with configured_db.transaction() as session:
        again = await service.make_due(session, now=clock.now(), limit=100)
        upcoming = await repository.next_due_at(session)
    assert again == []
    assert upcoming == TEN_AM + timedelta(minutes=60)
    clock.advance(timedelta(hours=2))
    async with configured_db.transaction() as session:
        rest = await service.make_due(session, now=clock.now(), limit=1)
    async with configured_db.transaction() as session:
        rest += await service.make_due(session, now=clock.now(), limit=100)
        dues = await session.scalar(
            select(func.count())
            .select_from(CallbackHistory)
            .where(CallbackHistory.event == CallbackEvent.DUE)
        )
    assert len(rest) == 2 and dues == 3
    assert await states_of(configured_db) == [CallbackState.QUEUED] * 3
    queued_at = {c.queued_at for c, _ in first + rest}
    assert queued_at == {TEN_AM + timedelta(minutes=m) for m in (30, 60, 90)}


async def test_concurrent_schedulers_queue_each_callback_exactly_once(
    configured_db: Database, clock: ManualClock
) -> None:
    for n in range(60):
        await create(
            configured_db,
            clock,
            service="anytime",
            type="delayed",
            desired_time=(clock.now() + timedelta(minutes=1)).isoformat(),
            phone=f"+44 20 7946 {n:04d}",
        )
    later = clock.now() + timedelta(minutes=5)

    async def one_scheduler() -> int:
        total = 0
        while True:
            async with configured_db.transaction() as session:
                made = await service.make_due(session, now=later, limit=7)
            total += len(made)
            if not made:
                return total

    counts = await asyncio.gather(*(one_scheduler() for _ in range(4)))
    assert sum(counts) == 60
    async with configured_db.transaction() as session:
        dues = await session.scalar(
            select(func.count())
            .select_from(CallbackHistory)
            .where(CallbackHistory.event == CallbackEvent.DUE)
        )
    assert dues == 60


async def test_concurrent_bookings_never_overfill_a_slot(
    configured_db: Database, clock: ManualClock
) -> None:
    at = (TEN_AM + timedelta(hours=3)).isoformat()

    async def attempt(n: int) -> str:
        try:
            await create(
                configured_db, clock, type="scheduled", desired_time=at, phone=f"+1212555{n:04d}"
            )
        except RingbackError as exc:
            return exc.code
        return "booked"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(10)))
    assert sorted(outcomes) == ["booked"] * 2 + ["slot-full"] * 8


async def test_position_counts_higher_priority_and_older_callbacks(
    configured_db: Database, clock: ManualClock
) -> None:
    made = []
    for n in range(3):
        made.append(await create(configured_db, clock, phone=f"+1212555{n:04d}"))
        clock.advance(timedelta(seconds=5))
    urgent = await create(
        configured_db, clock, service="anytime", phone="+44 20 7946 0018"
    )  # priority 70, same queue
    async with configured_db.transaction() as session:
        third = await service.position(
            session, callback_id=made[2].id, caller=STAFF, now=clock.now()
        )
        top = await service.position(session, callback_id=urgent.id, caller=STAFF, now=clock.now())
    assert third.ahead == 3  # the urgent one and two older ones
    # Nobody works on the queue: a place in line, but no wait to promise (test_queue_load.py).
    assert (third.estimated_wait, third.method) == (None, "no-agent-staffed")
    assert top.ahead == 0


async def test_every_change_is_in_the_outbox_of_its_transaction(
    configured_db: Database, clock: ManualClock
) -> None:
    seen: list[list[str]] = []

    async def listener(notice: CommitNotice) -> None:
        seen.append([e.topic for e in notice.outbox_events])

    configured_db.on_commit(listener)
    callback = await create(configured_db, clock)
    async with configured_db.transaction() as session:
        await service.cancel_callback(
            session, callback_id=callback.id, caller=STAFF, now=clock.now(), reason=None
        )
    assert seen == [["callback.queued"], ["callback.cancelled"]]


async def test_a_change_is_never_stamped_before_the_change_it_follows(
    configured_db: Database, clock: ManualClock
) -> None:
    # The cancel read the clock, then waited for the callback while a supervisor's change to
    # it committed: it took effect after that change, and its history says so.
    callback = await create(configured_db, clock, type="immediate")
    cancel_read_at = clock.advance(timedelta(seconds=1))
    reprioritised_at = clock.advance(timedelta(seconds=1))
    async with configured_db.transaction() as session:
        await service.set_priority(
            session, callback_id=callback.id, priority=90, caller=STAFF, now=reprioritised_at
        )
    async with configured_db.transaction() as session:
        cancelled, _ = await service.cancel_callback(
            session, callback_id=callback.id, caller=STAFF, now=cancel_read_at, reason=None
        )
        entries = await repository.history(session, callback.id)
    assert [(e.event, e.at) for e in entries] == [
        (CallbackEvent.CREATE, callback.created_at),
        (CallbackEvent.REPRIORITISE, reprioritised_at),
        (CallbackEvent.CANCEL, reprioritised_at),
    ]
    assert cancelled.updated_at == reprioritised_at


async def test_a_key_cannot_see_other_services_callbacks(
    configured_db: Database, clock: ManualClock
) -> None:
    callback = await create(configured_db, clock)
    stranger = service.Caller(actor="api-key:other", services=frozenset({"anytime"}))
    with pytest.raises(RingbackError) as refused:
        async with configured_db.transaction() as session:
            await service.get_callback(session, callback_id=callback.id, caller=stranger)
    assert refused.value.code == "callback-not-found"
    with pytest.raises(RingbackError) as forbidden:
        async with configured_db.transaction() as session:
            await service.create_callback(
                session, request=request(), caller=stranger, now=clock.now()
            )
    assert forbidden.value.status == 403


async def test_unknown_service_is_404(configured_db: Database, clock: ManualClock) -> None:
    with pytest.raises(RingbackError) as refused:
        await create(configured_db, clock, service="nope")
    assert (refused.value.code, refused.value.status) == ("service-not-found", 404)
    assert CallbackType.IMMEDIATE in list(CallbackType)
