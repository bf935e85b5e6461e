"""The simulated switch behind the switch service, reached over HTTP and a WebSocket by a node's
RemoteSwitch, passes the same contract as in-process; and the protocol keeps its promises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from tests.e2e.conftest import serving_app
from tests.telephony.conftest import (
    ANSWERS,
    FAST_SCRIPT,
    PLACE,
    fast_script_environment,
)
from tests.telephony.contract import (
    ContractEnvironment,
    EventRecorder,
    SwitchContract,
    new_id,
    released,
    state_is,
)

from ringback.clock import ManualClock
from ringback.telephony.remote import RemoteSwitch
from ringback.telephony.service import create_switch_app
from ringback.telephony.sim import SimulatedSwitch
from ringback.telephony.switch import (
    CallState,
    EventPosition,
    SwitchEvent,
    SwitchReset,
)


class Follower:
    """What a node keeps between connections: the position of the last event it applied."""

    def __init__(self) -> None:
        self.position: EventPosition | None = None

    async def resume_from(self) -> EventPosition | None:
        return self.position

    async def applied(self, event: SwitchEvent) -> None:
        self.position = event.position


@pytest.fixture
async def remote_switch(switch_service: str, clock: ManualClock) -> AsyncIterator[RemoteSwitch]:
    follower = Follower()
    switch = RemoteSwitch(switch_service, clock=clock, resume_from=follower.resume_from)
    switch.subscribe(follower.applied)
    await switch.start()
    await asyncio.wait_for(switch.connected.wait(), 5)
    yield switch
    await switch.close()


class TestRemoteSwitchContract(SwitchContract):
    @pytest.fixture
    def environment(self, remote_switch: RemoteSwitch) -> ContractEnvironment:
        return fast_script_environment(remote_switch, timeout=3.0, settle_seconds=0.2)


pytestmark = pytest.mark.anyio


async def test_events_are_numbered_and_a_follower_resumes_after_the_last_it_applied(
    switch_service: str, clock: ManualClock
) -> None:
    first = Follower()
    seen = EventRecorder()
    switch = RemoteSwitch(switch_service, clock=clock, resume_from=first.resume_from)
    switch.subscribe(first.applied)
    switch.subscribe(seen)
    await switch.start()
    call_id = new_id("call")
    await switch.make_call(call_id=call_id, place=PLACE, destination=ANSWERS)
    await seen.wait_for(state_is(call_id, CallState.CONNECTED), within=3)
    await switch.release(call_id=call_id)
    await seen.wait_for(released(call_id), within=3)
    await switch.close()
    ids = [e.position.id for e in seen.events if e.position is not None]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # numbered without gaps, in order
    assert isinstance(seen.events[0], SwitchReset)  # a run this follower had not followed

    # A node that comes back after event n gets n+1... and nothing before, and no reset.
    assert first.position is not None
    resumed_from = EventPosition(first.position.epoch, first.position.id - 3)
    again = EventRecorder()

    async def resume() -> EventPosition:
        return resumed_from

    later = RemoteSwitch(switch_service, clock=clock, resume_from=resume)
    later.subscribe(again)
    await later.start()
    await again.wait_for(released(call_id), within=3)
    await later.close()
    assert [e.position.id for e in again.events if e.position] == ids[-3:]
    assert not any(isinstance(e, SwitchReset) for e in again.events)


async def test_a_repeated_request_is_answered_again_not_done_again(switch_service: str) -> None:
    call_id = new_id("call")
    body = {"call_id": call_id, "place": PLACE, "destination": ANSWERS}
    async with httpx.AsyncClient(base_url=switch_service) as client:
        key = {"Idempotency-Key": "make-1"}
        first = await client.post("/v1/requests/make_call", json=body, headers=key)
        assert first.status_code == 200
        await asyncio.sleep(0.2)
        hold = {"Idempotency-Key": "hold-1"}
        assert (
            await client.post("/v1/requests/hold", json={"call_id": call_id}, headers=hold)
        ).status_code == 200
        # The hold is repeated (a lost answer): the switch answers as before, and does not
        # refuse it as a hold of a held call.
        again = await client.post("/v1/requests/hold", json={"call_id": call_id}, headers=hold)
        assert again.status_code == 200
        unknown = await client.post("/v1/requests/hold", json={"call_id": "nope"})
        assert unknown.status_code == 409
        assert unknown.headers["content-type"].startswith("application/problem+json")
        assert unknown.json()["code"] == "unknown-call"
        assert (await client.post("/v1/requests/dial", json=body)).status_code == 404
        bad = await client.post("/v1/requests/make_call", json={"call_id": call_id})
        assert bad.status_code == 422
        calls = (await client.get("/v1/calls")).json()
        assert calls["calls"] == [call_id]
        metrics = (await client.get("/metrics")).text
    assert 'ringback_switch_requests_total{outcome="repeated",request="hold"} 1.0' in metrics
    assert "ringback_switch_calls 1.0" in metrics


async def test_a_restarted_switch_is_seen_as_a_reset(clock: ManualClock) -> None:
    follower = Follower()
    seen = EventRecorder()
    with serving_app(
        create_switch_app(SimulatedSwitch(script=FAST_SCRIPT, clock=clock), clock=clock)
    ) as url:
        switch = RemoteSwitch(url, clock=clock, resume_from=follower.resume_from)
        switch.subscribe(follower.applied)
        switch.subscribe(seen)
        await switch.start()
        await switch.make_call(call_id=new_id("call"), place=PLACE, destination=ANSWERS)
        await seen.wait_for(lambda e: e.position is not None and e.position.id >= 3, within=3)
        await switch.close()
    before = follower.position
    assert before is not None
    with serving_app(
        create_switch_app(SimulatedSwitch(script=FAST_SCRIPT, clock=clock), clock=clock)
    ) as url:
        switch = RemoteSwitch(url, clock=clock, resume_from=follower.resume_from)
        after_restart = EventRecorder()
        switch.subscribe(after_restart)
        await switch.start()
        reset = await after_restart.wait_for(lambda e: isinstance(e, SwitchReset), within=3)
        await switch.close()
    assert reset.position is not None and reset.position.epoch != before.epoch
    assert reset.position.id == 0


async def test_a_calls_caller_id_and_ring_time_reach_the_switch(clock: ManualClock) -> None:
    driver = SimulatedSwitch(script=FAST_SCRIPT, clock=clock)
    with serving_app(create_switch_app(driver, clock=clock)) as url:
        switch = RemoteSwitch(url, clock=clock, resume_from=Follower().resume_from)
        seen = EventRecorder()
        switch.subscribe(seen)
        await switch.start()
        try:
            await asyncio.wait_for(switch.connected.wait(), 5)
            await switch.make_call(
                call_id="shown",
                place=PLACE,
                destination=ANSWERS,
                caller_id="+18005550199",
                ring_seconds=20,
            )
            await switch.make_call(call_id="plain", place=PLACE, destination=ANSWERS)
            await seen.wait_for(state_is("plain", CallState.CONNECTED), 3)
            async with httpx.AsyncClient(base_url=url) as client:
                long_ring = {"call_id": "x", "place": PLACE, "destination": ANSWERS}
                refused = await client.post(
                    "/v1/requests/make_call", json=long_ring | {"ring_seconds": 3600}
                )
        finally:
            await switch.close()

    assert driver.call("shown").caller_id == "+18005550199"
    assert driver.call("plain").caller_id is None
    assert refused.status_code == 422 and "ring_seconds" in refused.text
