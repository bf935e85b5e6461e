"""Interaction use cases on a controllable clock, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.support import TEST_CONFIG, set_ready

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackState
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.interactions import calls, offers, wrapup
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionState
from ringback.metrics import Metrics
from ringback.outbox import OutboxEvent
from ringback.routing.engine import RoutingEngine
from ringback.timers import Timers

pytestmark = pytest.mark.anyio
CUSTOMER = callbacks.Caller(actor="test")


async def offered(db: Database) -> list[Interaction]:
    async with db.transaction() as session:
        return list(
            (
                await session.scalars(
                    select(Interaction).where(Interaction.state == InteractionState.OFFERED)
                )
            ).all()
        )


async def test_a_scheduled_callback_is_offered_at_its_slot_and_dialled_on_accept(
    configured_db: Database, clock: ManualClock
) -> None:
    slot = clock.now() + timedelta(minutes=45)
    async with configured_db.transaction() as session:
        made = await callbacks.create_callback(
            session,
            request=CallbackCreate(
                service="anytime", phone="+44 20 7946 0051", type="scheduled", desired_time=slot
            ),
            caller=CUSTOMER,
            now=clock.now(),
        )
    await set_ready(configured_db, clock, "ada")
    timers = Timers(configured_db, clock, Metrics())
    routing = RoutingEngine(configured_db, clock)
    clock.advance(timedelta(minutes=44))
    await timers.run_once()
    assert await routing.route_once() == 0  # not due yet
    clock.advance(timedelta(minutes=1))
    assert await timers.run_once() == 1
    assert await routing.route_once() == 1
    [interaction] = await offered(configured_db)
    assert interaction.callback_id == made.callback.id
    async with configured_db.transaction() as session:
        agent = await agent_repository.by_login(session, "ada")
        assert agent is not None
        handling = await offers.accept(
            session, interaction_id=interaction.id, agent=agent, now=clock.now()
        )
    assert handling.interaction.state is InteractionState.DIALING
    assert handling.callback.state is CallbackState.DIALING
    async with configured_db.transaction() as session:
        commands = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "switch.make_call")
            )
        ).all()
    assert [c.payload["destination"] for c in commands] == ["+442079460051"]
    assert commands[0].payload["place"] == "place:1001"
    # The service's caller id and ring time go with the call.
    assert (commands[0].payload["caller_id"], commands[0].payload["ring_seconds"]) == (
        "+442079460000",
        25,
    )


async def test_an_offer_times_out_on_the_clock(configured_db: Database, clock: ManualClock) -> None:
    async with configured_db.transaction() as session:
        await callbacks.create_callback(
            session,
            request=CallbackCreate(service="anytime", phone="+44 20 7946 0052"),
            caller=CUSTOMER,
            now=clock.now(),
        )
    await set_ready(configured_db, clock, "ada")
    timers = Timers(configured_db, clock, Metrics())
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    clock.advance(timedelta(seconds=4))
    assert await timers.run_once() == 0
    clock.advance(timedelta(seconds=2))
    assert await timers.run_once() == 1
    assert await offered(configured_db) == []
    async with configured_db.transaction() as session:
        agent = await agent_repository.by_login(session, "ada")
        assert agent is not None
        status = await agent_repository.channel_status(session, agent.id, AgentChannel.VOICE)
    assert (
        status is not None
        and status.status is AgentStatus.NOT_READY
        and status.reason == "missed-offer"
    )


async def test_the_customer_calling_window_holds_routing_and_refuses_a_call(
    configured_db: Database, clock: ManualClock
) -> None:
    # The "preview" service is open day and night; its customers are called 08:00-21:00 local.
    windowed = TEST_CONFIG.replace(
        'display_name = "Callback with agent preview"\nqueue = "support"\ntime_zone = "UTC"\n'
        'default_region = "GB"\ncalling_window = "00:00-24:00"',
        'display_name = "Callback with agent preview"\nqueue = "support"\ntime_zone = "UTC"\n'
        'default_region = "GB"\ncalling_window = "08:00-21:00"',
    )
    assert windowed != TEST_CONFIG
    async with configured_db.transaction() as session:
        await apply_config(session, config=parse_config(windowed, source="t.toml"), now=clock.now())
    clock.set(datetime(2026, 12, 8, 3, 0, tzinfo=UTC))  # 22:00 in New York
    async with configured_db.transaction() as session:
        await callbacks.create_callback(
            session,
            request=CallbackCreate(
                service="preview",
                phone="+1 212 555 0142",
                type="delayed",
                desired_time=clock.now() + timedelta(minutes=1),
            ),
            caller=CUSTOMER,
            now=clock.now(),
        )
    clock.advance(timedelta(minutes=1))
    assert await Timers(configured_db, clock, Metrics()).run_once() == 1
    await set_ready(configured_db, clock, "ada")
    routing = RoutingEngine(configured_db, clock)
    assert await routing.route_once() == 0
    clock.set(datetime(2026, 12, 8, 13, 0, tzinfo=UTC))  # 08:00 in New York
    assert await routing.route_once() == 1
    [interaction] = await offered(configured_db)
    async with configured_db.transaction() as session:
        agent = await agent_repository.by_login(session, "ada")
        assert agent is not None
        await offers.accept(session, interaction_id=interaction.id, agent=agent, now=clock.now())
    clock.set(datetime(2026, 12, 9, 2, 30, tzinfo=UTC))  # 21:30 in New York
    with pytest.raises(RingbackError) as refused:
        async with configured_db.transaction() as session:
            await calls.call(session, interaction_id=interaction.id, agent=agent, now=clock.now())
    assert refused.value.code == "outside-calling-window"
    assert refused.value.extra["next_allowed"] == "2026-12-09T13:00:00+00:00"


async def test_a_customer_cancelling_during_the_offer_takes_it_off_the_screen(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        made = await callbacks.create_callback(
            session,
            request=CallbackCreate(service="anytime", phone="+44 20 7946 0053"),
            caller=CUSTOMER,
            now=clock.now(),
        )
    await set_ready(configured_db, clock, "ada")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    async with configured_db.transaction() as session:
        await callbacks.cancel_callback(
            session, callback_id=made.callback.id, caller=CUSTOMER, now=clock.now(), reason="solved"
        )
    async with configured_db.transaction() as session:
        interaction = await session.scalar(select(Interaction))
        agent = await agent_repository.by_login(session, "ada")
        assert agent is not None
        status = await agent_repository.channel_status(session, agent.id, AgentChannel.VOICE)
    assert interaction is not None and interaction.state is InteractionState.WITHDRAWN
    assert status is not None and status.offered is None and status.status is AgentStatus.READY
    assert await RoutingEngine(configured_db, clock).route_once() == 0


async def test_a_personal_callback_comes_back_to_its_agent(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        await callbacks.create_callback(
            session,
            request=CallbackCreate(
                service="preview",
                phone="+44 20 7946 0054",
                type="delayed",
                desired_time=clock.now() + timedelta(minutes=1),
            ),
            caller=CUSTOMER,
            now=clock.now(),
        )
    await set_ready(configured_db, clock, "ada")
    routing, timers = RoutingEngine(configured_db, clock), Timers(configured_db, clock, Metrics())
    clock.advance(timedelta(minutes=1))
    await timers.run_once()
    assert await routing.route_once() == 1
    [first] = await offered(configured_db)
    later = clock.now() + timedelta(hours=2)
    async with configured_db.transaction() as session:
        ada = await agent_repository.by_login(session, "ada")
        assert ada is not None
        await offers.accept(session, interaction_id=first.id, agent=ada, now=clock.now())
        await wrapup.reschedule(
            session,
            interaction_id=first.id,
            agent=ada,
            desired_time=later,
            personal=True,
            now=clock.now(),
        )
    async with configured_db.transaction() as session:
        await wrapup.set_disposition(
            session, interaction_id=first.id, agent=ada, code="resolved", now=clock.now()
        )
    async with configured_db.transaction() as session:
        await wrapup.mark_done(session, interaction_id=first.id, agent=ada, now=clock.now())
    # Ada goes Not Ready; Bob is Ready when the callback falls due: it waits for Ada...
    async with configured_db.transaction() as session:
        await agents.set_status(
            session,
            agent=ada,
            channel=AgentChannel.VOICE,
            status=AgentStatus.NOT_READY,
            reason="break",
            now=clock.now(),
        )
    await set_ready(configured_db, clock, "bob")
    clock.set(later)
    await timers.run_once()
    assert await routing.route_once() == 0
    # ...until the fallback time (15 minutes by default) has passed.
    clock.advance(timedelta(minutes=16))
    assert await routing.route_once() == 1
    [second] = await offered(configured_db)
    assert second.agent_id != ada.id
