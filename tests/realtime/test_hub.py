"""The event hub reads the stream table and pushes each row once, to the screens that want it."""

from __future__ import annotations

from typing import Any

import pytest

from ringback.clock import ManualClock
from ringback.db import Database
from ringback.realtime.hub import Hub, Listener
from ringback.realtime.stream import publish

pytestmark = pytest.mark.anyio


async def test_each_event_reaches_its_agent_and_supervisors_once(
    configured_db: Database, clock: ManualClock
) -> None:
    ada, bob, boss = Listener(1, False), Listener(2, False), Listener(3, True)
    hub = await started(configured_db, ada, bob, boss)
    async with configured_db.transaction() as session:
        publish(session, agent_id=1, topic="agent.status", payload={"n": 1}, now=clock.now())
        publish(session, agent_id=2, topic="agent.status", payload={"n": 2}, now=clock.now())
    await hub.fan_out_once()
    await hub.fan_out_once()  # nothing new: nothing pushed again
    async with configured_db.transaction() as session:
        publish(session, agent_id=1, topic="agent.status", payload={"n": 3}, now=clock.now())
    await hub.fan_out_once()
    got = {
        name: [m["payload"]["n"] for m in _drain(listener)]
        for name, listener in (("ada", ada), ("bob", bob), ("boss", boss))
    }
    assert got == {"ada": [1, 3], "bob": [2], "boss": [1, 2, 3]}
    assert not any(listener.overflowed for listener in (ada, bob, boss))


async def test_an_event_of_a_change_that_commits_later_is_pushed_later_with_a_newer_id(
    configured_db: Database, clock: ManualClock
) -> None:
    if configured_db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: two changes cannot overlap")
    ada = Listener(1, False)
    hub = await started(configured_db, ada)
    async with configured_db.transaction() as slow:
        publish(slow, agent_id=1, topic="agent.status", payload={"n": "slow"}, now=clock.now())
        await slow.flush()  # the change writes its rows before it commits, as services do
        async with configured_db.transaction() as quick:
            publish(
                quick, agent_id=1, topic="agent.status", payload={"n": "quick"}, now=clock.now()
            )
        await hub.fan_out_once()
        first = _drain(ada)
    await hub.fan_out_once()
    await hub.fan_out_once()
    then = _drain(ada)
    assert [m["payload"]["n"] for m in first + then] == ["quick", "slow"]
    # A screen resumes after the newest id it got: the later event must not have a lower one.
    assert first[0]["id"] < then[0]["id"]


async def test_a_removed_screen_gets_nothing_more(
    configured_db: Database, clock: ManualClock
) -> None:
    first, second, boss = Listener(1, False), Listener(1, False), Listener(3, True)
    hub = await started(configured_db, first, second, boss)
    hub.remove(first)
    hub.remove(boss)
    async with configured_db.transaction() as session:
        publish(session, agent_id=1, topic="agent.status", payload={"n": 1}, now=clock.now())
    await hub.fan_out_once()
    hub.remove(second)
    hub.remove(second)  # twice is harmless
    async with configured_db.transaction() as session:
        publish(session, agent_id=1, topic="agent.status", payload={"n": 2}, now=clock.now())
    await hub.fan_out_once()
    assert [m["payload"]["n"] for m in _drain(second)] == [1]
    assert _drain(first) == [] and _drain(boss) == []


async def started(db: Database, *listeners: Listener) -> Hub:
    hub = Hub(db)
    await hub.start()
    for listener in listeners:
        hub.add(listener)
    return hub


def _drain(listener: Listener) -> list[dict[str, Any]]:
    items = []
    while not listener.queue.empty():
        items.append(listener.queue.get_nowait())
    return items
