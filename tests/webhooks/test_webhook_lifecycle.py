"""An endpoint's life: disabled after a day of failures and seen by supervisors, enabled again
with nothing lost; redelivery of one event or of a time range; filters, a revoked key, a new
secret; two nodes at once. On SQLite and PostgreSQL, against real receivers on loopback."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from prometheus_client import generate_latest
from sqlalchemy import select
from tests.webhooks.conftest import (
    DAY_OF_ATTEMPTS,
    TIMEOUT,
    Node,
    ask,
    cancel,
    deliveries,
    subscribe,
)
from tests.webhooks.receiver import Receiver, free_port, listening

from ringback.apikeys.service import create_key, revoke_key
from ringback.callbacks.service import Caller
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.metrics import Metrics
from ringback.settings import Settings
from ringback.webhooks import service
from ringback.webhooks.config import new_secret
from ringback.webhooks.dispatcher import WebhookDispatcher
from ringback.webhooks.models import DeliveryState, WebhookAttempt, WebhookEvent
from ringback.webhooks.schemas import EndpointUpdate, RedeliverRange

pytestmark = pytest.mark.anyio
DAY = timedelta(hours=24)


async def endpoint_row(db: Database, endpoint_id: uuid.UUID):  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        rows = {row.endpoint.id: row for row in await service.all_endpoints(session)}
    return rows[endpoint_id]


async def test_a_day_of_failures_disables_the_endpoint_and_a_supervisor_sees_it(
    configured_db: Database, clock: ManualClock, integrator: Caller, node: Node
) -> None:
    secret = new_secret()
    hook = Receiver(secret, live_clock=False)  # the clock moves by a day: signatures only
    port = free_port()  # nothing listens there yet
    url = f"http://127.0.0.1:{port}/hook"
    endpoint = await subscribe(configured_db, clock, integrator, url, secret, description="CRM")
    started = clock.now()
    first = await ask(configured_db, clock, integrator, "+44 20 7946 0971")

    tries = []
    while (await endpoint_row(configured_db, endpoint.id)).endpoint.enabled:
        assert await node.deliver() == 1
        tries.append((clock.now() - started).total_seconds())
        async with configured_db.transaction() as session:
            upcoming = await service.repository.next_attempt_at(session, after=clock.now())
        if upcoming is None:
            break
        clock.set(upcoming)
    # Every attempt of the documented schedule, the last one at the day's end.
    assert tries == DAY_OF_ATTEMPTS
    seen = await endpoint_row(configured_db, endpoint.id)
    assert not seen.endpoint.enabled
    assert seen.endpoint.disabled_at == started + DAY
    assert "failed for 24 hours" in (seen.endpoint.disabled_reason or "")
    assert "ConnectError" in (seen.endpoint.disabled_reason or "")
    assert seen.api_key == "crm" and seen.pending.count == 1
    await node.dispatcher.refresh_stats()
    figures = generate_latest(node.metrics.registry).decode()
    assert 'ringback_webhook_endpoints{state="disabled"} 1.0' in figures
    assert 'ringback_webhook_attempts_total{result="disabled"} 1.0' in figures
    assert 'ringback_webhook_attempts_total{result="failed"} 13.0' in figures

    # While disabled, events wait for it: nothing is sent, nothing is lost.
    clock.advance(timedelta(hours=1))
    await cancel(configured_db, clock, integrator, first.id)
    second = await ask(configured_db, clock, integrator, "+44 20 7946 0972")
    assert await node.deliver() == 0
    assert (await endpoint_row(configured_db, endpoint.id)).pending.count == 3

    with listening(hook, port=port):
        async with configured_db.transaction() as session:
            found = await service.supervised_endpoint(session, endpoint.id)
            await service.enable(session, found, now=clock.now())
        assert await node.deliver() == 3
    # In order per callback (two callbacks' events may cross: they go out side by side).
    arrived = [(r.callback["id"], r.type) for r in hook.received]
    assert [t for c, t in arrived if c == str(first.id)] == [
        "callback.created",
        "callback.cancelled",
    ]
    assert [t for c, t in arrived if c == str(second.id)] == ["callback.created"]
    assert hook.forged == 0
    seen = await endpoint_row(configured_db, endpoint.id)
    assert seen.endpoint.enabled and seen.endpoint.failing_since is None
    assert seen.pending.count == 0


async def test_one_event_or_a_time_range_is_sent_again_in_order(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    endpoint = await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    before = clock.now()
    first = await ask(configured_db, clock, integrator, "+44 20 7946 0961")
    clock.advance(timedelta(minutes=1))
    await cancel(configured_db, clock, integrator, first.id)
    clock.advance(timedelta(minutes=1))
    await ask(configured_db, clock, integrator, "+44 20 7946 0962")
    await node.deliver()
    assert len(hook.received) == 3
    sent = {r.webhook_id: r for r in hook.received}

    delivered = await deliveries(configured_db)
    async with configured_db.transaction() as session:
        again = await service.redeliver_one(
            session,
            endpoint_id=endpoint.id,
            delivery_id=delivered[1].id,
            caller=integrator,
            now=clock.now(),
        )
    assert again.delivery.redelivery and again.event.type == "callback.cancelled"
    await node.deliver()
    cancelled = next(r for r in hook.received[:3] if r.type == "callback.cancelled")
    assert hook.received[3].webhook_id == cancelled.webhook_id  # the same event, again
    assert hook.received[3].payload == sent[cancelled.webhook_id].payload

    async with configured_db.transaction() as session:
        made = await service.redeliver_range(
            session,
            endpoint_id=endpoint.id,
            request=RedeliverRange(since=before, until=before + timedelta(minutes=1, seconds=30)),
            caller=integrator,
            now=clock.now(),
        )
        none = await service.redeliver_range(
            session,
            endpoint_id=endpoint.id,
            request=RedeliverRange(since=before - timedelta(days=1), until=before),
            caller=integrator,
            now=clock.now(),
        )
        only_cancels = await service.redeliver_range(
            session,
            endpoint_id=endpoint.id,
            request=RedeliverRange(since=before, event_types=["callback.cancelled"]),
            caller=integrator,
            now=clock.now(),
        )
    assert (made, none, only_cancels) == (2, 0, 1)
    await node.deliver()
    assert [r.type for r in hook.received[4:]] == [
        "callback.created",
        "callback.cancelled",
        "callback.cancelled",
    ]


async def test_an_endpoint_gets_only_its_types_and_services_and_nothing_once_its_key_is_revoked(
    configured_db: Database, clock: ManualClock, receiver: tuple[Receiver, str], node: Node
) -> None:
    hook, url = receiver
    async with configured_db.transaction() as session:
        narrow = await create_key(
            session, name="support-desk", services=["support", "anytime"], now=clock.now()
        )
    caller = Caller(
        actor="api-key:support-desk",
        api_key_id=narrow.key.id,
        services=frozenset({"support", "anytime"}),
    )
    staff = Caller(actor="staff")
    await subscribe(
        configured_db,
        clock,
        caller,
        url,
        hook.secrets[0],
        event_types=["callback.cancelled"],
        services=["anytime"],
    )
    wanted = await ask(configured_db, clock, staff, "+44 20 7946 0951")
    await cancel(configured_db, clock, staff, wanted.id)
    other = await ask(configured_db, clock, staff, "+33 6 12 34 56 78", service="returning")
    await cancel(configured_db, clock, staff, other.id)
    await node.deliver()
    assert [(r.type, r.callback["id"]) for r in hook.received] == [
        ("callback.cancelled", str(wanted.id))
    ]

    async with configured_db.transaction() as session:
        await revoke_key(session, name="support-desk", now=clock.now())
    later = await ask(configured_db, clock, staff, "+44 20 7946 0952")
    await cancel(configured_db, clock, staff, later.id)
    await node.deliver()
    assert len(hook.received) == 1


async def test_a_new_secret_signs_beside_the_old_one_for_a_day(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    old = hook.secrets[0]
    endpoint = await subscribe(configured_db, clock, integrator, url, old)
    async with configured_db.transaction() as session:
        found = await service.get_endpoint(session, endpoint_id=endpoint.id, caller=integrator)
        service.rotate_secret(found, secret=None, now=clock.now())
        new = found.secret
    assert new != old and new.startswith("whsec_")
    hook.secrets = [new]  # the receiver switched at once: the new signature verifies
    await ask(configured_db, clock, integrator, "+44 20 7946 0941")
    await node.deliver()
    assert len(hook.received) == 1 and len(hook.received[0].signatures) == 2
    hook.secrets = [old]  # a receiver that did not switch yet still verifies
    clock.advance(timedelta(hours=23))
    await ask(configured_db, clock, integrator, "+44 20 7946 0942")
    hook.live_clock = False
    await node.deliver()
    assert len(hook.received) == 2 and hook.forged == 0
    clock.advance(timedelta(hours=2))  # the day is over: only the new secret signs
    await ask(configured_db, clock, integrator, "+44 20 7946 0943")
    await node.deliver()
    assert hook.forged == 1 and len(hook.received) == 2


async def test_a_disabled_endpoint_is_enabled_again_through_the_api_with_a_new_horizon(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
    node: Node,
) -> None:
    hook, url = receiver
    endpoint = await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    async with configured_db.transaction() as session:
        await service.update_endpoint(
            session,
            endpoint_id=endpoint.id,
            request=EndpointUpdate(enabled=False),
            caller=integrator,
            now=clock.now(),
        )
    await ask(configured_db, clock, integrator, "+44 20 7946 0931")
    assert await node.deliver() == 0
    async with configured_db.transaction() as session:
        await service.update_endpoint(
            session,
            endpoint_id=endpoint.id,
            request=EndpointUpdate(enabled=True),
            caller=integrator,
            now=clock.now(),
        )
    assert await node.deliver() == 1
    assert hook.types() == ["callback.created"]


async def test_two_nodes_send_every_event_once_and_each_callback_in_order(
    configured_db: Database,
    clock: ManualClock,
    integrator: Caller,
    receiver: tuple[Receiver, str],
) -> None:
    hook, url = receiver
    await subscribe(configured_db, clock, integrator, url, hook.secrets[0])
    made = []
    for n in range(12):
        callback = await ask(configured_db, clock, integrator, f"+44 20 7946 08{n:02d}")
        made.append(callback)
        if n % 2:
            await cancel(configured_db, clock, integrator, callback.id)
    other_db = Database(configured_db.url)
    nodes = [
        WebhookDispatcher(
            db,
            clock,
            Settings(
                database_url=db.url,
                webhook_timeout_seconds=TIMEOUT,
                webhook_endpoint_concurrency=3,
            ),
            Metrics(),
        )
        for db in (configured_db, other_db)
    ]

    async def drain(dispatcher: WebhookDispatcher) -> None:
        # Bounded by time, not by passes: while one node sends a callback's event, the other
        # can take nothing of that callback, and under load its passes ran out before the send.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            started = await dispatcher.run_once()
            await dispatcher.wait_idle()
            if not started and len(hook.received) >= 18:
                return
            await asyncio.sleep(0.01)

    try:
        await asyncio.gather(*(drain(d) for d in nodes))
    finally:
        for dispatcher in nodes:
            await dispatcher.close()
        await other_db.dispose()
    ids = [r.webhook_id for r in hook.received]
    assert len(ids) == 18 and len(set(ids)) == 18  # every event once
    for callback in made:
        types = [r.type for r in hook.received if r.callback["id"] == str(callback.id)]
        expected = ["callback.created"] + (
            ["callback.cancelled"] if made.index(callback) % 2 else []
        )
        assert types == expected
    async with configured_db.transaction() as session:
        attempts = (await session.scalars(select(WebhookAttempt))).all()
        events = (await session.scalars(select(WebhookEvent))).all()
    assert len(attempts) == 18 and len(events) == 18
    assert {d.state for d in await deliveries(configured_db)} == {DeliveryState.DELIVERED}
