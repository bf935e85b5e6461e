"""The routing engine against SQLite and PostgreSQL, including two engines on one database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentChannelStatus, AgentStatus
from ringback.callbacks import repository as callback_repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionState
from ringback.routing.engine import RoutingEngine

pytestmark = pytest.mark.anyio


async def staff(
    db: Database, clock: ManualClock, count: int, skill: str = "support", first: int = 0
) -> None:
    async with db.transaction() as session:
        for n in range(first, first + count):
            agent = await agents.create_agent(
                session,
                login=f"agent{n}",
                name=f"Agent {n}",
                place=f"3{n:03d}",
                skills=[skill],
                now=clock.now(),
            )
            await session.flush()
            await agents.set_status(
                session,
                agent=agent,
                channel=AgentChannel.VOICE,
                status=AgentStatus.READY,
                reason=None,
                now=clock.now(),
            )


async def customers(db: Database, clock: ManualClock, count: int) -> None:
    for n in range(count):
        async with db.transaction() as session:
            await callbacks.create_callback(
                session,
                request=CallbackCreate(service="anytime", phone=f"+44 20 7946 {1000 + n}"),
                caller=callbacks.Caller(actor="test"),
                now=clock.now(),
            )


async def test_a_pass_makes_at_most_its_batch_of_offers(
    configured_db: Database, clock: ManualClock
) -> None:
    await staff(configured_db, clock, 12)
    await customers(configured_db, clock, 12)
    engine = RoutingEngine(configured_db, clock, batch_size=5)
    assert [await engine.route_once() for _ in range(4)] == [5, 5, 2, 0]


async def test_an_agent_behind_a_batch_of_unsuitable_ones_still_gets_the_offer(
    configured_db: Database, clock: ManualClock
) -> None:
    # The longest idle agents lack the queue's skill; the one who has it comes after them.
    await staff(configured_db, clock, 8, skill="french")
    clock.advance(timedelta(minutes=1))
    await staff(configured_db, clock, 1, first=8)
    await customers(configured_db, clock, 1)
    assert await RoutingEngine(configured_db, clock, batch_size=5).route_once() == 1
    async with configured_db.transaction() as session:
        offered = (await session.scalars(select(Interaction))).one()
        agent = await agent_repository.by_id(session, offered.agent_id)
    assert agent is not None and agent.login == "agent8"


async def test_two_engines_never_offer_twice(configured_db: Database, clock: ManualClock) -> None:
    await staff(configured_db, clock, 12)
    await customers(configured_db, clock, 30)
    second = Database(configured_db.url)
    engines = [
        RoutingEngine(configured_db, clock, batch_size=5),
        RoutingEngine(second, clock, batch_size=5),
    ]

    async def drain(engine: RoutingEngine) -> int:
        total = 0
        while made := await engine.route_once():
            total += made
        return total

    try:
        made = await asyncio.gather(*(drain(engine) for engine in engines))
        # A pass skips rows the other engine's pass holds (SKIP LOCKED), so one can see nobody
        # free and stop while the other still has work: in a node the loop comes back within a
        # second. Here each engine passes again once the race is over.
        made += [await drain(engine) for engine in engines]
    finally:
        await second.dispose()
    assert sum(made) == 12
    async with configured_db.transaction() as session:
        offers = (
            await session.execute(
                select(Interaction.callback_id, Interaction.agent_id).where(
                    Interaction.state == InteractionState.OFFERED
                )
            )
        ).all()
        offered_callbacks = await session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(Callback.state == CallbackState.OFFERED)
        )
        holding = await session.scalar(
            select(func.count())
            .select_from(AgentChannelStatus)
            .where(AgentChannelStatus.offered.is_not(None))
        )
    assert len(offers) == 12
    assert len({callback for callback, _ in offers}) == 12
    assert len({agent for _, agent in offers}) == 12
    assert offered_callbacks == 12 and holding == 12


async def test_nothing_is_offered_to_agents_who_are_not_ready(
    configured_db: Database, clock: ManualClock
) -> None:
    await customers(configured_db, clock, 3)
    assert await RoutingEngine(configured_db, clock).route_once() == 0  # ada and bob are Logged Out


async def test_an_agent_ready_on_both_channels_gets_one_offer_on_the_right_one(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        ada = await agent_repository.by_login(session, "ada")
        assert ada is not None
        for channel in AgentChannel:
            await agents.set_status(
                session,
                agent=ada,
                channel=channel,
                status=AgentStatus.READY,
                reason=None,
                now=clock.now(),
            )
    engine = RoutingEngine(configured_db, clock)

    async def request(service: str) -> None:
        async with configured_db.transaction() as session:
            await callbacks.create_callback(
                session,
                request=CallbackCreate(service=service, phone="+44 20 7946 0061"),
                caller=callbacks.Caller(actor="test"),
                now=clock.now(),
            )

    await request("web")
    assert await engine.route_once() == 1
    await request("anytime")
    assert await engine.route_once() == 0  # one interaction at a time, whatever the channel
    async with configured_db.transaction() as session:
        rows = {s.channel: s for s in await agent_repository.channel_statuses(session, ada.id)}
        offer = await session.scalar(select(Interaction).where(Interaction.agent_id == ada.id))
    assert offer is not None and offer.channel is AgentChannel.WEBCALLBACK
    assert rows[AgentChannel.WEBCALLBACK].offered == offer.id
    assert rows[AgentChannel.VOICE].offered is None


async def hold_the_queue(session: AsyncSession) -> None:
    """Take what a routing pass waits for before it reads the queue: on SQLite the write lock
    (and the node's one connection), on PostgreSQL the callbacks table."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("LOCK TABLE callbacks IN EXCLUSIVE MODE"))
    else:
        await session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE


async def test_an_offer_is_stamped_after_the_request_it_offers_when_the_pass_waited_for_it(
    configured_db: Database, clock: ManualClock
) -> None:
    await staff(configured_db, clock, 1)
    engine = RoutingEngine(configured_db, clock)
    async with configured_db.transaction() as session:
        await hold_the_queue(session)
        routing = asyncio.create_task(engine.route_once())
        await asyncio.sleep(0)  # the pass starts, then waits for this transaction
        created_at = clock.advance(timedelta(seconds=1))
        created = await callbacks.create_callback(
            session,
            request=CallbackCreate(service="anytime", phone="+44 20 7946 0071"),
            caller=callbacks.Caller(actor="test"),
            now=created_at,
        )
        committed_at = clock.advance(timedelta(seconds=1))
    assert await routing == 1
    async with configured_db.transaction() as session:
        history = await callback_repository.history(session, created.callback.id)
        offered = await session.scalar(select(Interaction))
    assert [(h.event, h.at) for h in history] == [
        (CallbackEvent.CREATE, created_at),
        (CallbackEvent.OFFER, committed_at),
    ]
    assert offered is not None and offered.offered_at == committed_at
