"""What waits in an agent's own queues, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.supervisor.test_supervisor_service import agent, request
from tests.support import ALWAYS_OPEN, TEST_CONFIG, set_ready

from ringback.agents.queues import my_queues
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.routing.engine import RoutingEngine

pytestmark = pytest.mark.anyio

# A queue only an agent with the "mortgages" skill serves; nobody in the test config has it.
MORTGAGES = f"""
[[queues]]
name = "mortgages"
skills = ["mortgages"]

[[services]]
name = "mortgage-advice"
queue = "mortgages"
time_zone = "UTC"
calling_window = "00:00-24:00"
[services.office_hours]
{ALWAYS_OPEN}
"""


async def test_an_agent_reads_the_queues_they_hold_the_skills_of(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        config = TEST_CONFIG.replace("[[agents]]", MORTGAGES + "[[agents]]", 1)
        await apply_config(session, config=parse_config(config, source="t.toml"), now=clock.now())
    await request(configured_db, clock, service="mortgage-advice", phone="+44 20 7946 0079")
    ada, sue = await agent(configured_db, "ada"), await agent(configured_db, "sue")
    async with configured_db.transaction() as session:
        mine = await my_queues(session, agent=ada)
        # Sue holds no skill: the support queue asks for one, so nothing is hers.
        sues = await my_queues(session, agent=sue)
    assert [q.service.name for q in mine] == ["support", "anytime", "returning", "web", "preview"]
    assert sues == []


async def test_waiting_counts_the_queued_and_the_next_scheduled_is_the_earliest(
    configured_db: Database, clock: ManualClock
) -> None:
    await request(configured_db, clock, phone="+44 20 7946 0071")
    clock.advance(timedelta(minutes=1))
    await request(configured_db, clock, phone="+44 20 7946 0072")
    later = clock.now() + timedelta(hours=3)
    for hours, phone in ((5, "+44 20 7946 0073"), (3, "+44 20 7946 0074")):
        await request(
            configured_db,
            clock,
            phone=phone,
            type="scheduled",
            desired_time=(clock.now() + timedelta(hours=hours)).isoformat(),
        )
    ada = await agent(configured_db, "ada")
    async with configured_db.transaction() as session:
        before = {q.service.name: q for q in await my_queues(session, agent=ada)}
    anytime = before["anytime"]
    assert (anytime.waiting, anytime.scheduled) == (2, 2)
    assert anytime.next_scheduled_at is not None
    assert abs(anytime.next_scheduled_at - later) < timedelta(minutes=15)  # its slot's start
    assert (before["support"].waiting, before["support"].next_scheduled_at) == (0, None)

    # An offer is on someone's screen: it no longer waits.
    await set_ready(configured_db, clock, "bob")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    async with configured_db.transaction() as session:
        after = {q.service.name: q for q in await my_queues(session, agent=ada)}
    assert (after["anytime"].waiting, after["anytime"].scheduled) == (1, 2)
