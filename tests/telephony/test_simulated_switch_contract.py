"""The simulated switch passes the switch contract, and does what only it promises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
import structlog
from tests.telephony.contract import (
    ContractEnvironment,
    EventRecorder,
    SwitchContract,
    consultation_is,
    count,
    joined,
    left,
    new_id,
    raises_switch_error,
    released,
    state_is,
)

from ringback.clock import ManualClock
from ringback.telephony.sim import (
    CustomerResponse,
    NumberBehaviour,
    Party,
    SimulatedSwitch,
    SimulatorScript,
    TargetBehaviour,
    TargetResponse,
)
from ringback.telephony.switch import (
    CallState,
    ConsultationChanged,
    ConsultationState,
    DialCompleted,
    DialResult,
    PartyRole,
    SwitchError,
    SwitchEvent,
)

pytestmark = pytest.mark.anyio

TIMEOUT = 2.0
SETTLE = 0.1


class TestSimulatedSwitchContract(SwitchContract):
    @pytest.fixture
    def environment(self, sim_environment: ContractEnvironment) -> ContractEnvironment:
        return sim_environment


@pytest.fixture
def env(sim_environment: ContractEnvironment) -> ContractEnvironment:
    return sim_environment


@pytest.fixture
def switch(simulated_switch: SimulatedSwitch) -> SimulatedSwitch:
    return simulated_switch


@pytest.fixture
def recorder(simulated_switch: SimulatedSwitch) -> EventRecorder:
    recorder = EventRecorder()
    simulated_switch.subscribe(recorder)
    return recorder


async def connected(env: ContractEnvironment, recorder: EventRecorder, number: str = "") -> str:
    call_id, destination = new_id("call"), number or env.answers
    await env.switch.make_call(call_id=call_id, place=env.place, destination=destination)
    await recorder.wait_for(joined(call_id, destination), TIMEOUT)
    return call_id


@asynccontextmanager
async def running(
    clock: ManualClock, *, numbers: list[NumberBehaviour], targets: list[TargetBehaviour]
) -> AsyncIterator[tuple[SimulatedSwitch, EventRecorder]]:
    """A switch on a script of the test's own, with a recorder subscribed."""
    switch = SimulatedSwitch(script=SimulatorScript(numbers=numbers, targets=targets), clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        yield switch, recorder
    finally:
        await switch.close()


SLOW_TARGET = TargetBehaviour(pattern="queue:slow", behaviour=TargetResponse.ACCEPT, ring_seconds=5)
ANSWER_AT_ONCE = NumberBehaviour(pattern="*", behaviour=CustomerResponse.ANSWER, ring_seconds=0)


# -- what tests of the rest of Ringback look at -------------------------------------------------


async def test_calls_view_shows_state_parties_and_dials(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    await switch.make_call(call_id=call_id, place=env.place, destination=env.answers)

    view = switch.calls()[call_id]
    assert view.state is CallState.CONNECTED
    assert view.parties == (
        Party(env.place, PartyRole.AGENT),
        Party(env.answers, PartyRole.CUSTOMER),
    )
    assert view.dial_count == 1
    assert view.result is DialResult.ANSWERED

    await switch.release(call_id=call_id)
    view = switch.call(call_id)
    assert (view.state, view.parties, view.released_by) == (CallState.RELEASED, (), "agent")


async def test_calls_view_of_an_unknown_call_is_refused(switch: SimulatedSwitch) -> None:
    with pytest.raises(SwitchError) as caught:
        switch.call("nobody")
    assert caught.value.code == "unknown-call"
    assert switch.calls() == {}


async def test_events_are_stamped_by_the_clock(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder, clock: ManualClock
) -> None:
    call_id = await connected(env, recorder)
    held_at = clock.advance(timedelta(minutes=3))
    await switch.hold(call_id=call_id)
    event = await recorder.wait_for(state_is(call_id, CallState.HELD), TIMEOUT)

    assert recorder.of_call(call_id)[0].at == held_at - timedelta(minutes=3)
    assert event.at == held_at


async def test_calls_are_independent_and_each_in_order(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    first, second = new_id("call"), new_id("call")
    await switch.make_call(call_id=first, place=env.place, destination=env.answers)
    await switch.make_call(call_id=second, place="place:1002", destination=env.busy)
    await recorder.wait_for(released(second), TIMEOUT)
    await recorder.wait_for(joined(first, env.answers), TIMEOUT)

    assert [e[0] for e in recorder.story(first)] == [
        "joined",
        "state",
        "state",
        "state",
        "dial",
        "joined",
    ]
    assert recorder.story(second)[-1] == ("state", CallState.RELEASED, "busy")
    assert switch.call(first).state is CallState.CONNECTED


# -- delivery and lifecycle -----------------------------------------------------------------


async def test_a_failing_handler_is_logged_and_the_others_still_hear_everything(
    clock: ManualClock,
) -> None:
    switch = SimulatedSwitch(script=SimulatorScript(numbers=[ANSWER_AT_ONCE]), clock=clock)
    failures: list[SwitchEvent] = []

    async def broken_handler(event: SwitchEvent) -> None:
        failures.append(event)
        raise RuntimeError("desktop gone")

    recorder = EventRecorder()
    switch.subscribe(broken_handler)
    switch.subscribe(recorder)
    await switch.start()
    try:
        with structlog.testing.capture_logs() as logs:
            await switch.make_call(call_id="c1", place="place:1001", destination="+12125550100")
            await recorder.wait_for(joined("c1", "+12125550100"), TIMEOUT)
            await switch.hold(call_id="c1")
            await recorder.wait_for(state_is("c1", CallState.HELD), TIMEOUT)
    finally:
        await switch.close()

    assert len(failures) == len(recorder.events) == 7
    failed = [entry for entry in logs if entry["event"] == "switch event handler failed"]
    assert len(failed) == 7
    assert failed[0]["log_level"] == "error"
    assert failed[0]["call_id"] == "c1"


async def test_close_cancels_pending_script_steps(clock: ManualClock) -> None:
    never = NumberBehaviour(pattern="*", behaviour=CustomerResponse.NO_ANSWER, ring_seconds=30)
    switch = SimulatedSwitch(script=SimulatorScript(numbers=[never]), clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    before = asyncio.all_tasks()
    await switch.start()
    await switch.make_call(call_id="c1", place="place:1001", destination="+12125550100")

    await asyncio.wait_for(switch.close(), 1)

    assert asyncio.all_tasks() - before == set()
    # What was sent before closing was delivered; the answer that was due never comes.
    assert [e[0] for e in recorder.story("c1")] == ["joined", "state", "state"]
    assert switch.call("c1").state is CallState.RINGING


async def test_requests_need_a_running_switch(clock: ManualClock) -> None:
    switch = SimulatedSwitch(script=SimulatorScript(), clock=clock)
    await raises_switch_error(
        "switch-not-running",
        switch.make_call(call_id="c1", place="place:1001", destination="+12125550100"),
    )
    await switch.start()
    await switch.make_call(call_id="c1", place="place:1001", destination="+12125550100")
    await switch.close()

    await raises_switch_error("switch-not-running", switch.release(call_id="c1"))


# -- the simulated switch's own rules -------------------------------------------------------


async def test_answer_at_the_agents_place_is_accepted_and_elsewhere_refused(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)

    await switch.answer(call_id=call_id, address=env.place)
    await raises_switch_error("invalid-address", switch.answer(call_id=call_id, address="place:9"))
    await switch.release(call_id=call_id)
    await raises_switch_error(
        "invalid-call-state", switch.answer(call_id=call_id, address=env.place)
    )
    assert count(recorder.of_call(call_id), joined(call_id, env.place)) == 1


@pytest.mark.parametrize("destination", ["12125550100", "+0125550100", "+1212555010012345", ""])
async def test_a_destination_that_is_not_e164_is_an_invalid_number(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder, destination: str
) -> None:
    await switch.make_call(call_id="c1", place=env.place, destination=destination)
    await recorder.wait_for(released("c1"), TIMEOUT)

    assert recorder.story("c1")[-2:] == [
        ("dial", DialResult.INVALID_NUMBER),
        ("state", CallState.RELEASED, "invalid_number"),
    ]
    assert ("state", CallState.RINGING, None) not in recorder.story("c1")


async def test_addresses_that_are_no_place_or_target_are_refused(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    await raises_switch_error(
        "invalid-address", switch.make_call(call_id="c1", place="1001", destination=env.answers)
    )
    assert "c1" not in switch.calls()
    call_id = await connected(env, recorder)
    for target in ("agent:bob", "queue:", "0044 20 7946 0000", "place:20 01"):
        await raises_switch_error(
            "invalid-address", switch.single_step_transfer(call_id=call_id, destination=target)
        )
        await raises_switch_error(
            "invalid-address",
            switch.init_consultation(call_id=call_id, consultation_id="k", destination=target),
        )
    assert switch.call(call_id).state is CallState.CONNECTED


async def test_dtmf_is_refused_while_the_customer_is_on_hold(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    await switch.hold(call_id=call_id)

    await raises_switch_error("invalid-call-state", switch.send_dtmf(call_id=call_id, digits="1"))


async def test_nothing_but_release_and_dtmf_while_a_blind_transfer_rings(
    clock: ManualClock,
) -> None:
    async with running(clock, numbers=[ANSWER_AT_ONCE], targets=[SLOW_TARGET]) as (
        switch,
        recorder,
    ):
        await switch.make_call(call_id="c1", place="place:1001", destination="+12125550100")
        await recorder.wait_for(joined("c1", "+12125550100"), TIMEOUT)
        await switch.single_step_transfer(call_id="c1", destination="queue:slow")

        for request in (
            switch.hold(call_id="c1"),
            switch.single_step_conference(call_id="c1", destination="place:2001"),
            switch.single_step_transfer(call_id="c1", destination="place:2001"),
            switch.init_consultation(call_id="c1", consultation_id="k", destination="place:2001"),
        ):
            await raises_switch_error("invalid-call-state", request)
        await switch.send_dtmf(call_id="c1", digits="5")
        await switch.release(call_id="c1")
        await recorder.wait_for(released("c1"), TIMEOUT)

        assert switch.call("c1").released_by == "agent"
        assert not any(joined("c1", "queue:slow")(e) for e in recorder.events)


async def test_conferenced_target_that_hangs_up_leaves_the_others_talking(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    target = env.target_accepts_then_ends
    await switch.single_step_conference(call_id=call_id, destination=target)
    await recorder.wait_for(left(call_id, target), TIMEOUT)
    await recorder.settle(SETTLE)

    assert recorder.story(call_id)[-2:] == [
        ("joined", target, PartyRole.TARGET),
        ("left", target, PartyRole.TARGET, "hangup"),
    ]
    assert switch.call(call_id).state is CallState.CONNECTED
    assert recorder.parties(call_id) == {
        (env.place, PartyRole.AGENT),
        (env.answers, PartyRole.CUSTOMER),
    }


async def test_repeated_consultation_requests_are_ignored(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    for _ in range(2):
        await switch.init_consultation(
            call_id=call_id, consultation_id="k1", destination=env.target_accepts
        )
    await recorder.wait_for(consultation_is(call_id, "k1", ConsultationState.CONNECTED), TIMEOUT)
    for _ in range(2):
        await switch.complete_conference(call_id=call_id, consultation_id="k1")
    await recorder.settle(SETTLE)

    consultation_events = [
        e for e in recorder.of_call(call_id) if isinstance(e, ConsultationChanged)
    ]
    assert [e.state for e in consultation_events] == [
        ConsultationState.RINGING,
        ConsultationState.CONNECTED,
        ConsultationState.CONFERENCED,
    ]
    assert count(recorder.of_call(call_id), joined(call_id, env.target_accepts)) == 1
    await raises_switch_error(
        "invalid-consultation-state",
        switch.cancel_consultation(call_id=call_id, consultation_id="k1"),
    )


async def test_one_consultation_at_a_time_and_no_retrieve_during_it(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    await switch.init_consultation(
        call_id=call_id, consultation_id="k1", destination=env.target_accepts
    )

    await raises_switch_error(
        "invalid-call-state",
        switch.init_consultation(call_id=call_id, consultation_id="k2", destination="queue:x"),
    )
    await raises_switch_error("invalid-call-state", switch.retrieve(call_id=call_id))
    await raises_switch_error("invalid-call-state", switch.hold(call_id=call_id))
    assert [c.consultation_id for c in switch.call(call_id).consultations] == ["k1"]


async def test_after_a_decline_the_agent_may_consult_someone_else_or_take_the_customer_back(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    await switch.init_consultation(
        call_id=call_id, consultation_id="k1", destination=env.target_declines
    )
    await recorder.wait_for(consultation_is(call_id, "k1", ConsultationState.DECLINED), TIMEOUT)
    await switch.init_consultation(
        call_id=call_id, consultation_id="k2", destination=env.target_declines
    )
    await recorder.wait_for(consultation_is(call_id, "k2", ConsultationState.DECLINED), TIMEOUT)

    # Ending a consultation the target already declined still takes the customer off hold.
    await switch.cancel_consultation(call_id=call_id, consultation_id="k2")
    await recorder.wait_for_last(call_id, ("state", CallState.CONNECTED, None), TIMEOUT)
    await switch.cancel_consultation(call_id=call_id, consultation_id="k2")
    await recorder.settle(SETTLE)

    story = recorder.story(call_id)
    assert story.count(("state", CallState.HELD, None)) == 1
    assert not any(e[0] == "consultation" and e[-1] is ConsultationState.CANCELLED for e in story)
    assert story[-1] == ("state", CallState.CONNECTED, None)


async def test_a_call_released_during_a_consultation_ends_it(clock: ManualClock) -> None:
    hangs_up = NumberBehaviour(
        pattern="*", behaviour=CustomerResponse.ANSWER, ring_seconds=0, hangup_after_seconds=0.1
    )
    async with running(clock, numbers=[hangs_up], targets=[SLOW_TARGET]) as (switch, recorder):
        await switch.make_call(call_id="c1", place="place:1001", destination="+12125550100")
        await recorder.wait_for(joined("c1", "+12125550100"), TIMEOUT)
        await switch.init_consultation(call_id="c1", consultation_id="k1", destination="queue:slow")
        await recorder.wait_for(released("c1"), TIMEOUT)

        assert recorder.story("c1")[-3:] == [
            ("left", "+12125550100", PartyRole.CUSTOMER, "hangup"),
            ("consultation", "k1", "queue:slow", ConsultationState.ENDED),
            ("state", CallState.RELEASED, "customer"),
        ]
        assert switch.call("c1").consultations[0].state is ConsultationState.ENDED
        await raises_switch_error(
            "invalid-call-state", switch.cancel_consultation(call_id="c1", consultation_id="k1")
        )


async def test_a_call_transferred_to_a_queue_leaves_the_switch(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    call_id = await connected(env, recorder)
    await switch.single_step_transfer(call_id=call_id, destination="queue:cards")
    await recorder.wait_for(released(call_id), TIMEOUT)
    await recorder.settle(SETTLE)

    assert recorder.story(call_id)[-1] == ("state", CallState.RELEASED, "transfer")
    assert call_id not in await switch.active_calls()
    assert switch.call(call_id).parties == ()
    await raises_switch_error("invalid-call-state", switch.hold(call_id=call_id))


async def test_the_customer_may_hang_up_on_the_agent_who_received_the_transfer(
    clock: ManualClock,
) -> None:
    number, receiver = "+12125550100", "place:2001"
    hangs_up = NumberBehaviour(
        pattern="*", behaviour=CustomerResponse.ANSWER, ring_seconds=0, hangup_after_seconds=0.3
    )
    quick = TargetBehaviour(pattern="*", behaviour=TargetResponse.ACCEPT, ring_seconds=0)
    async with running(clock, numbers=[hangs_up], targets=[quick]) as (switch, recorder):
        await switch.make_call(call_id="c1", place="place:1001", destination=number)
        await recorder.wait_for(joined("c1", number), TIMEOUT)
        await switch.single_step_transfer(call_id="c1", destination=receiver)
        await recorder.wait_for(released("c1"), TIMEOUT)

        view = switch.call("c1")
        assert (view.place, view.state) == (receiver, CallState.CONNECTED)
        assert view.parties == (
            Party(number, PartyRole.CUSTOMER),
            Party(receiver, PartyRole.AGENT),
        )
        await recorder.wait_for_last("c1", ("state", CallState.RELEASED, "customer"), TIMEOUT)
        assert recorder.story("c1")[-2] == ("left", number, PartyRole.CUSTOMER, "hangup")
        assert "c1" not in await switch.active_calls()


async def test_a_customer_not_answering_within_the_calls_ring_time_is_no_answer(
    clock: ManualClock,
) -> None:
    slow = NumberBehaviour(pattern="*", behaviour=CustomerResponse.ANSWER, ring_seconds=60)
    async with running(clock, numbers=[slow], targets=[]) as (switch, recorder):
        await switch.make_call(
            call_id="c1", place="place:1001", destination="+12125550100", ring_seconds=0.2
        )
        result = await recorder.wait_for(lambda e: isinstance(e, DialCompleted), TIMEOUT)
        await recorder.wait_for(released("c1"), TIMEOUT)
        # Without a ring time of its own the call rings the script's minute.
        await switch.make_call(call_id="c2", place="place:1001", destination="+12125550101")
        await asyncio.sleep(0.5)

    assert isinstance(result, DialCompleted) and result.result is DialResult.NO_ANSWER
    assert switch.call("c2").result is None


async def test_the_caller_id_of_a_call_is_kept(
    env: ContractEnvironment, switch: SimulatedSwitch, recorder: EventRecorder
) -> None:
    await switch.make_call(
        call_id="shown", place=env.place, destination=env.answers, caller_id="+18005550199"
    )
    await recorder.wait_for(joined("shown", env.answers), TIMEOUT)

    assert switch.call("shown").caller_id == "+18005550199"
