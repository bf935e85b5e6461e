"""The outbox relay: committed events are delivered, each exactly once across relays."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from ringback import outbox
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.outbox import OutboxEvent, OutboxRelay

pytestmark = pytest.mark.anyio


async def test_two_relays_never_send_a_command_twice(db: Database, clock: ManualClock) -> None:
    for n in range(60):
        async with db.transaction() as session:
            outbox.record(session, "switch.make_call", {"call_id": f"call-{n}"}, at=clock.now())
    other = Database(db.url)
    dialled: Counter[str] = Counter()

    async def dial(event: OutboxEvent) -> None:
        dialled[event.payload["call_id"]] += 1
        await asyncio.sleep(0)  # let the other relay run in between

    relays = [OutboxRelay(db, clock, batch_size=7), OutboxRelay(other, clock, batch_size=7)]
    for relay in relays:
        relay.subscribe("switch.", dial, at_most_once=True)

    async def drain(relay: OutboxRelay) -> None:
        while await relay.deliver_pending():
            pass

    try:
        await asyncio.gather(*(drain(relay) for relay in relays))
    finally:
        await other.dispose()
    assert len(dialled) == 60 and set(dialled.values()) == {1}


async def test_a_failed_at_least_once_delivery_is_retried(db: Database, clock: ManualClock) -> None:
    async with db.transaction() as session:
        outbox.record(session, "email.queued", {"id": "m-1"}, at=clock.now())
    attempts: list[str] = []

    async def flaky(event: OutboxEvent) -> None:
        attempts.append(event.payload["id"])
        if len(attempts) == 1:
            raise RuntimeError("relay down")

    relay = OutboxRelay(db, clock)
    relay.subscribe("email.", flaky)
    with pytest.raises(RuntimeError):
        await relay.deliver_pending()
    assert await relay.deliver_pending() == 1
    assert await relay.deliver_pending() == 0
    assert attempts == ["m-1", "m-1"]
