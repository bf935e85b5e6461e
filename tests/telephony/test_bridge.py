"""The bridge with a shared switch: events applied once, a refused request for a call the switch
does not know ends that call, and an event that cannot be applied does not hold back the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from tests.interactions.test_flows import offered
from tests.support import set_ready
from tests.telephony.test_remote_switch_contract import Follower

from ringback.agents import repository as agent_repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import CallbackCreate
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.interactions import offers, switch_events
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionState
from ringback.outbox import OutboxEvent
from ringback.routing.engine import RoutingEngine
from ringback.telephony import repository
from ringback.telephony.bridge import ATTEMPTS_PER_EVENT, SwitchBridge
from ringback.telephony.remote import RemoteSwitch
from ringback.telephony.switch import (
    CallState,
    CallStateChanged,
    EventPosition,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def bridge(
    configured_db: Database, switch_service: str, clock: ManualClock
) -> AsyncIterator[SwitchBridge]:
    follower = Follower()
    switch = RemoteSwitch(switch_service, clock=clock, resume_from=follower.resume_from)
    bridge = SwitchBridge(configured_db, clock, switch, shared=True)
    await bridge.start()
    # Following a switch begins with a reset (a run this database has not seen): let it land.
    for _ in range(100):
        async with configured_db.transaction() as session:
            if await repository.position(session) is not None:
                break
        await asyncio.sleep(0.05)
    yield bridge
    await switch.close()


async def epoch_of(db: Database) -> str:
    async with db.transaction() as session:
        found = await repository.position(session)
    assert found is not None
    return found.epoch


async def test_an_event_for_a_call_nobody_knows_is_passed_over(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        await switch_events.apply(
            session,
            CallStateChanged(call_id="call-unknown", at=clock.now(), state=CallState.RINGING),
            now=clock.now(),
        )


async def test_an_event_is_applied_once_whoever_receives_it(
    configured_db: Database, bridge: SwitchBridge, clock: ManualClock
) -> None:
    at = EventPosition(await epoch_of(configured_db), 7)
    event = CallStateChanged(call_id="call-x", at=clock.now(), state=CallState.RINGING, position=at)
    await bridge.on_switch_event(event)
    async with configured_db.transaction() as session:
        assert await repository.position(session) == at
        # A second node gets it too: the cursor is there already, so it is not applied again.
        assert not await repository.advance(session, at, now=clock.now())
        # A new run of the switch moves it whatever the id.
        assert await repository.advance(session, EventPosition("run-2", 0), now=clock.now())


async def test_an_event_that_cannot_be_applied_is_skipped_after_a_few_tries(
    configured_db: Database,
    bridge: SwitchBridge,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault in applying this event")

    monkeypatch.setattr(switch_events, "apply", broken)
    at = EventPosition(await epoch_of(configured_db), 3)
    event = CallStateChanged(call_id="call-y", at=clock.now(), state=CallState.RINGING, position=at)
    for _ in range(ATTEMPTS_PER_EVENT - 1):
        with pytest.raises(RuntimeError):
            await bridge.on_switch_event(event)  # the stream will bring it again
    await bridge.on_switch_event(event)  # the last try steps past it
    async with configured_db.transaction() as session:
        assert await repository.position(session) == at


async def test_a_call_the_switch_does_not_know_is_over_when_it_refuses_a_request_for_it(
    configured_db: Database, bridge: SwitchBridge, clock: ManualClock
) -> None:
    interaction_id = await _interaction_on_a_lost_call(configured_db, clock, "call-gone")
    await bridge.deliver(_outbox("switch.release", {"call_id": "call-gone"}))
    async with configured_db.transaction() as session:
        found = await session.get(Interaction, interaction_id)
        assert found is not None and found.state is InteractionState.READY_TO_CALL


async def test_an_orphan_call_is_settled_once_it_has_been_quiet_a_while(
    configured_db: Database, bridge: SwitchBridge, clock: ManualClock
) -> None:
    interaction_id = await _interaction_on_a_lost_call(configured_db, clock, "call-orphan")
    assert await bridge.settle_orphans(unchanged_for=timedelta(seconds=30)) == 0  # too recent
    clock.advance(timedelta(seconds=31))
    assert await bridge.settle_orphans(unchanged_for=timedelta(seconds=30)) == 1
    async with configured_db.transaction() as session:
        found = await session.get(Interaction, interaction_id)
        assert found is not None and found.state is InteractionState.READY_TO_CALL


async def _interaction_on_a_lost_call(db: Database, clock: ManualClock, call_id: str) -> object:
    """An agent accepted a callback and the call is dialling, as ``call_id``; the switch never
    got the request (the node that claimed it died)."""
    async with db.transaction() as session:
        await callbacks.create_callback(
            session,
            request=CallbackCreate(service="anytime", phone="+44 20 7946 0051"),
            caller=callbacks.Caller(actor="test"),
            now=clock.now(),
        )
    await set_ready(db, clock, "ada")
    assert await RoutingEngine(db, clock).route_once() == 1
    [interaction] = await offered(db)
    async with db.transaction() as session:
        agent = await agent_repository.by_login(session, "ada")
        assert agent is not None
        await offers.accept(session, interaction_id=interaction.id, agent=agent, now=clock.now())
        await session.execute(
            update(Interaction).where(Interaction.id == interaction.id).values(call_id=call_id)
        )
    return interaction.id


def _outbox(topic: str, payload: dict[str, str]) -> OutboxEvent:
    return OutboxEvent(id=1, topic=topic, payload=payload)
