"""Delivering callback events to real receivers on loopback, on SQLite and PostgreSQL: signed
as Standard Webhooks say, in order per callback, retried, and never in the way of intake."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tests.webhooks.conftest import Node, ask, cancel, deliveries, subscribe
from tests.webhooks.receiver import Receiver, listening

from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import callback_read
from ringback.callbacks.service import Caller
from ringback.clock import ManualClock
from ringback.config import repository as config_repository
from ringback.db import Database
from ringback.webhooks import repository, service
from ringback.webhooks.config import new_secret
from ringback.webhooks.models import DeliveryState

pytestmark = pytest.mark.anyio


async def test_each_change_arrives_signed_with_the_callback_as_the_api_shows_it(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    callback = await ask(configured_db, clock, integrator, "+44 20 7946 0991")
    async with configured_db.transaction() as session:
        service = await config_repository.service_by_name(session, "anytime")
        assert service is not None
        shown_at_creation = callback_read(callback, service).model_dump(mode="json")
    clock.advance(timedelta(seconds=5))
    await cancel(configured_db, clock, integrator, callback.id)

    await node.deliver()

    assert hook.forged == 0
    assert hook.types() == ["callback.created", "callback.cancelled"]
    created, cancelled = hook.received
    assert created.callback == shown_at_creation  # as it was then, though cancelled since
    assert created.payload["data"]["change"] == {"event": "create", "from": None, "to": "queued"}
    assert cancelled.callback["state"] == "cancelled"
    assert cancelled.payload["data"]["change"] == {
        "event": "cancel",
        "from": "queued",
        "to": "cancelled",
    }
    assert cancelled.payload["timestamp"] == clock.now().isoformat().replace("+00:00", "Z")
    assert created.webhook_id != cancelled.webhook_id
    assert abs(cancelled.timestamp - clock.now().timestamp()) < 1
    assert {d.state for d in await deliveries(configured_db)} == {DeliveryState.DELIVERED}


async def test_two_changes_in_one_transaction_keep_their_own_states(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    callback = await ask(configured_db, clock, integrator, "+44 20 7946 0992")
    later = clock.now() + timedelta(hours=3)
    async with configured_db.transaction() as session:
        await callbacks.reschedule_callback(
            session, callback_id=callback.id, desired_time=later, caller=integrator, now=clock.now()
        )
        await callbacks.cancel_callback(
            session, callback_id=callback.id, caller=integrator, now=clock.now(), reason=None
        )

    await node.deliver()

    assert hook.types() == ["callback.created", "callback.rescheduled", "callback.cancelled"]
    moved = hook.received[1].callback
    assert moved["state"] == "scheduled"
    assert moved["due_at"] == later.isoformat().replace("+00:00", "Z")
    assert hook.received[2].callback["state"] == "cancelled"
    assert hook.received[2].callback["due_at"] is None


async def test_a_failing_receiver_gets_every_event_later_and_in_order_per_callback(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    hook.status = 500
    first = await ask(configured_db, clock, integrator, "+44 20 7946 0993")
    await cancel(configured_db, clock, integrator, first.id)
    second = await ask(configured_db, clock, integrator, "+44 20 7946 0994")

    await node.deliver()

    # The two creations were tried; the cancel waits behind its callback's creation.
    assert hook.requests == 2 and hook.received == []
    rows = await deliveries(configured_db)
    assert [(r.attempts, r.last_status) for r in rows] == [(1, 500), (0, None), (1, 500)]
    assert rows[0].next_attempt_at == clock.now() + timedelta(seconds=10)
    assert rows[0].last_error == "HTTP 500: nope"

    clock.advance(timedelta(seconds=9))
    await node.deliver()
    assert hook.requests == 2  # not before its time

    hook.status = 204
    clock.advance(timedelta(seconds=1))
    await node.deliver()
    arrived = [(r.callback["id"], r.type) for r in hook.received]
    assert [t for c, t in arrived if c == str(first.id)] == [
        "callback.created",
        "callback.cancelled",
    ]
    assert [t for c, t in arrived if c == str(second.id)] == ["callback.created"]
    assert {d.state for d in await deliveries(configured_db)} == {DeliveryState.DELIVERED}


async def test_a_receiver_that_does_not_answer_in_time_is_tried_again_and_holds_no_lock(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    hook.hold.clear()  # every request waits until the test lets it go
    await ask(configured_db, clock, integrator, "+44 20 7946 0995")
    await node.dispatcher.run_once()
    # The request is at the receiver, which keeps it.
    assert await asyncio.to_thread(hook.arrived.wait, 10)
    # Meanwhile intake goes on: the delivery holds no transaction while it waits.
    other = await ask(configured_db, clock, integrator, "+44 20 7946 0996")
    assert other.state.value == "queued"
    await node.dispatcher.wait_idle()

    rows = await deliveries(configured_db)
    assert rows[0].attempts == 1 and rows[0].last_status is None
    assert rows[0].last_error == "no answer within 0.5 s"
    hook.hold.set()
    clock.advance(timedelta(seconds=10))
    await node.deliver()
    # The receiver finished the late request after all, then got the retry: at least once,
    # with the same webhook-id, by which it tells the two apart.
    ids = [r.webhook_id for r in hook.received]
    assert len(ids) == 3 and len(set(ids)) == 2
    assert ids.count(str(rows[0].id)) == 0  # webhook-id is the event's id, not the delivery's


async def test_a_dead_receiver_comes_back_and_gets_what_it_missed(
    configured_db: Database, clock: ManualClock, integrator: Caller, node: Node
) -> None:
    secret = new_secret()
    hook = Receiver(secret)
    with listening(hook) as url:
        port = int(url.split(":")[2].split("/")[0])
    await subscribe(configured_db, clock, integrator, url, secret)  # nothing listens there
    callback = await ask(configured_db, clock, integrator, "+44 20 7946 0997")
    await node.deliver()
    rows = await deliveries(configured_db)
    assert rows[0].last_status is None and "ConnectError" in (rows[0].last_error or "")

    await cancel(configured_db, clock, integrator, callback.id)
    with listening(hook, port=port):
        clock.advance(timedelta(seconds=10))
        await node.deliver()
    assert hook.types() == ["callback.created", "callback.cancelled"]


async def test_deliveries_to_one_endpoint_wait_for_the_earlier_event_of_their_callback(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    endpoint = await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    first = await ask(configured_db, clock, integrator, "+44 20 7946 0981")
    await cancel(configured_db, clock, integrator, first.id)
    async with configured_db.transaction() as session:
        await service.fan_out(session, now=clock.now())
        claimed = await service.claim(
            session, endpoint=endpoint, now=clock.now(), limit=10, lease=timedelta(minutes=1)
        )
    # Only the creation: the cancellation is next once the creation is delivered.
    assert [c.event_type for c in claimed] == ["callback.created"]
    async with configured_db.transaction() as session:
        again = await service.claim(
            session, endpoint=endpoint, now=clock.now(), limit=10, lease=timedelta(minutes=1)
        )
    assert again == []  # the creation is leased, and the cancellation waits behind it
    async with configured_db.transaction() as session:
        assert await repository.next_attempt_at(session, after=clock.now()) is None
