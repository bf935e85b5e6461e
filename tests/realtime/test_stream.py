"""Stream rows show in the order of their ids, so that resuming after the newest id a screen got
misses nothing, whichever transaction commits first."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.support import until_someone_waits_for_a_lock

from ringback.agents.models import Agent
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.interactions import repository
from ringback.interactions.models import AgentEvent
from ringback.realtime.stream import publish

pytestmark = pytest.mark.anyio


async def test_resuming_after_the_newest_id_seen_gets_an_event_that_committed_later(
    configured_db: Database, clock: ManualClock
) -> None:
    if configured_db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: two changes cannot overlap")
    async with configured_db.transaction() as slow:
        publish(slow, agent_id=1, topic="agent.status", payload={"n": "slow"}, now=clock.now())
        await slow.flush()  # the change writes its rows before it commits, as services do
        async with configured_db.transaction() as quick:
            publish(
                quick, agent_id=1, topic="agent.status", payload={"n": "quick"}, now=clock.now()
            )
        async with configured_db.transaction() as screen:
            seen = await repository.events_after(screen, after=0, agent_id=1)
    # The screen's node dies here; the screen resumes elsewhere after the newest id it got.
    async with configured_db.transaction() as screen:
        resumed = await repository.events_after(screen, after=seen[-1].id, agent_id=1)
    assert [event.payload["n"] for event in seen] == ["quick"]
    assert [event.payload["n"] for event in resumed] == ["slow"]


async def test_a_change_waiting_for_an_agent_row_does_not_hold_up_the_change_holding_it(
    configured_db: Database, clock: ManualClock
) -> None:
    if configured_db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: two changes cannot overlap")

    async def second_change() -> None:
        async with configured_db.transaction() as session:
            publish(session, agent_id=1, topic="agent.status", payload={"n": 2}, now=clock.now())

    async with configured_db.transaction() as first:
        await first.get(Agent, 1, with_for_update=True)
        publish(first, agent_id=1, topic="agent.status", payload={"n": 1}, now=clock.now())
        # The second event's foreign key check must wait for the agent's row; had it taken the
        # stream's lock first, the first change could not commit its own event: a deadlock,
        # which PostgreSQL ends with an error.
        second = asyncio.create_task(second_change())
        await until_someone_waits_for_a_lock(configured_db)
    await second
    async with configured_db.transaction() as session:
        events = await repository.events_after(session, after=0, agent_id=1)
    assert [event.payload["n"] for event in events] == [1, 2]


async def test_a_change_that_fails_leaves_no_event(
    configured_db: Database, clock: ManualClock
) -> None:
    with pytest.raises(RuntimeError):
        async with configured_db.transaction() as session:
            publish(session, agent_id=1, topic="agent.status", payload={}, now=clock.now())
            raise RuntimeError("the change failed")
    async with configured_db.transaction() as session:
        assert (await session.scalars(select(AgentEvent))).all() == []


async def test_a_changes_events_keep_their_order_and_follow_its_rows(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        for n in range(3):
            publish(session, agent_id=1, topic="agent.status", payload={"n": n}, now=clock.now())
    async with configured_db.transaction() as session:
        events = await repository.events_after(session, after=0, agent_id=None)
    assert [event.payload["n"] for event in events] == [0, 1, 2]


async def test_pruning_old_events_never_gives_a_new_one_an_id_already_handed_out(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        for n in (1, 2):
            publish(session, agent_id=1, topic="agent.status", payload={"n": n}, now=clock.now())
    async with configured_db.transaction() as session:
        newest = await repository.last_event_id(session)
    clock.advance(timedelta(days=3))  # a quiet long weekend: every event is old
    async with configured_db.transaction() as session:
        await repository.prune_events(session, before=clock.now() - timedelta(days=2))
    async with configured_db.transaction() as session:
        publish(session, agent_id=1, topic="agent.status", payload={"n": 3}, now=clock.now())
    async with configured_db.transaction() as session:
        kept = await repository.events_after(session, after=0, agent_id=None)
        resumed = await repository.events_after(session, after=newest, agent_id=None)
    # SQLite gives a new row the highest id plus one: the newest row stays, whatever its age.
    assert [event.payload["n"] for event in resumed] == [3]
    assert [event.payload["n"] for event in kept] == [2, 3]
