"""A queued callback's wait from the queue's agents and history, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.callbacks import service
from ringback.callbacks.models import Callback
from ringback.callbacks.queue_load import RecentLoads, queue_load
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.waits import (
    CONFIGURED_HANDLE_TIME,
    NO_AGENT_STAFFED,
    POSITION_MODEL,
    erlang_quantile,
)
from ringback.clock import ManualClock
from ringback.config import repository as config_repository
from ringback.db import Database
from ringback.interactions import offers, wrapup
from ringback.interactions.models import Interaction
from ringback.routing.engine import RoutingEngine

pytestmark = pytest.mark.anyio
STAFF = service.Caller(actor="test")


async def ask(db: Database, clock: ManualClock, phone: str, name: str = "web") -> Callback:
    async with db.transaction() as session:
        made = await service.create_callback(
            session,
            request=CallbackCreate(service=name, phone=phone),
            caller=STAFF,
            now=clock.now(),
        )
    return made.callback


async def set_status(
    db: Database, clock: ManualClock, login: str, status: AgentStatus, channel: AgentChannel
) -> None:
    async with db.transaction() as session:
        agent = await agent_repository.by_login(session, login)
        assert agent is not None
        await agents.set_status(
            session, agent=agent, channel=channel, status=status, reason=None, now=clock.now()
        )


async def position(
    db: Database, clock: ManualClock, callback: Callback, recent: RecentLoads | None = None
) -> service.Position:
    async with db.transaction() as session:
        return await service.position(
            session, callback_id=callback.id, caller=STAFF, now=clock.now(), recent_loads=recent
        )


async def test_nobody_working_on_the_queue_gives_a_place_but_no_wait(
    configured_db: Database, clock: ManualClock
) -> None:
    first = await ask(configured_db, clock, "+44 20 7946 0001")
    second = await ask(configured_db, clock, "+44 20 7946 0002")
    # Sue is Ready but lacks the queue's skill; Ada is Ready on the other channel.
    await set_status(configured_db, clock, "sue", AgentStatus.READY, AgentChannel.WEBCALLBACK)
    await set_status(configured_db, clock, "ada", AgentStatus.READY, AgentChannel.VOICE)
    found = await position(configured_db, clock, second)
    assert (found.ahead, found.estimated_wait, found.method) == (1, None, NO_AGENT_STAFFED)
    assert found.estimated_time is None and found.estimated_wait_p90 is None
    assert (await position(configured_db, clock, first)).ahead == 0


async def test_the_wait_follows_the_agents_and_the_handle_times_of_the_queue(
    configured_db: Database, clock: ManualClock
) -> None:
    start = clock.now()
    for login in ("ada", "bob", "sue"):
        await set_status(configured_db, clock, login, AgentStatus.READY, AgentChannel.WEBCALLBACK)
    first = await ask(configured_db, clock, "+44 20 7946 0011")
    second = await ask(configured_db, clock, "+44 20 7946 0012")
    waiting = await ask(configured_db, clock, "+44 20 7946 0013")

    # No interaction yet: the service's configured 300 s, and ahead of the third callback two
    # callbacks and two free agents (Ada and Bob; Sue lacks the skill): one completion to wait.
    found = await position(configured_db, clock, waiting)
    assert (found.ahead, found.method) == (2, CONFIGURED_HANDLE_TIME)
    assert found.estimated_wait == timedelta(seconds=300 / 2)
    assert found.estimated_time == clock.now() + timedelta(seconds=150)

    assert await RoutingEngine(configured_db, clock).route_once() == 2
    async with configured_db.transaction() as session:
        offered = {i.callback_id: i for i in await session.scalars(select(Interaction))}
        ada = await agent_repository.by_login(session, "ada")
        bob = await agent_repository.by_login(session, "bob")
    assert ada is not None and bob is not None
    by_agent = {i.agent_id: i for i in offered.values()}
    assert set(offered) == {first.id, second.id}
    clock.advance(timedelta(seconds=5))
    async with configured_db.transaction() as session:
        await offers.reject(session, interaction_id=by_agent[bob.id].id, agent=bob, now=clock.now())
    clock.advance(timedelta(seconds=5))
    async with configured_db.transaction() as session:
        await offers.accept(session, interaction_id=by_agent[ada.id].id, agent=ada, now=clock.now())
    clock.advance(timedelta(seconds=170))
    async with configured_db.transaction() as session:
        await wrapup.set_disposition(
            session, interaction_id=by_agent[ada.id].id, agent=ada, code="resolved", now=clock.now()
        )
        await wrapup.mark_done(
            session, interaction_id=by_agent[ada.id].id, agent=ada, now=clock.now()
        )

    # Ada held her callback 180 s and is in the service's 1 s of After Call Work; Bob's rejected
    # offer took 5 s of his time without taking a callback: 186 s of agent time per callback,
    # accepted 10 s after the offer. Bob is free, Ada is not; the rejected callback is back
    # first in line, so the third has one ahead, one free agent, and waits one completion.
    async with configured_db.transaction() as session:
        web = await config_repository.service_by_name(session, "web")
        assert web is not None
        load = await queue_load(session, service=web, now=clock.now())
    assert (load.staffed, load.free) == (2, 1)
    assert load.handle is not None and load.handle.callbacks == 1
    assert load.handle.seconds == pytest.approx(186)
    assert load.handle.accept_seconds == pytest.approx(10)
    found = await position(configured_db, clock, waiting)
    assert (found.ahead, found.method) == (1, POSITION_MODEL)
    assert found.estimated_wait is not None and found.estimated_wait_p90 is not None
    assert found.estimated_wait.total_seconds() == pytest.approx(10 + 186 / 2)
    assert found.estimated_wait_p90.total_seconds() == pytest.approx(
        10 + erlang_quantile(1, 2 / 186, 0.9)
    )

    # Read a second ago, the load is not read again; after that, Bob's leaving is seen.
    ticks = [0.0]
    recent = RecentLoads(monotonic=lambda: ticks[0])
    before = await position(configured_db, clock, waiting, recent)
    await set_status(configured_db, clock, "bob", AgentStatus.NOT_READY, AgentChannel.WEBCALLBACK)
    cached = await position(configured_db, clock, waiting, recent)
    assert (cached.estimated_wait, cached.estimated_wait_p90) == (
        before.estimated_wait,
        before.estimated_wait_p90,
    )
    ticks[0] = 1.0
    alone = await position(configured_db, clock, waiting, recent)
    assert alone.estimated_wait is not None
    assert alone.estimated_wait.total_seconds() == pytest.approx(10 + 2 * 186)

    # An hour later the interactions have aged out: the configured handle time again.
    clock.set(start + timedelta(hours=1, seconds=181))
    found = await position(configured_db, clock, waiting)
    assert found.method == CONFIGURED_HANDLE_TIME
    assert found.estimated_wait == timedelta(seconds=2 * 300)
