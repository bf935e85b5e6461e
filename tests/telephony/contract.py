"""The switch contract: what every Switch driver must do, whatever phone system it drives.

A driver's test module subclasses :class:`SwitchContract` (or :class:`CallControlContract`, for
a switch that cannot tell answering machines and faxes from people) and provides an
``environment`` fixture giving a started switch, an agent's place, and numbers and targets that
behave in known ways (see :class:`ContractEnvironment`). Everything is observed through the
events the switch sends, so a SIP driver runs the very same tests as the simulated switch.
Waiting is in real time, bounded by ``timeout``; "nothing more happens" is checked by waiting
``settle_seconds``.

What drivers promise beyond the Protocol's docstrings, and Ringback relies on:
- every make_call reports exactly one DialCompleted, and RELEASED is a call's last event, but
  for a call transferred to another agent's place: it carries on there under the same call id
  (RELEASED(cause="transfer") ends it for the agent who transferred it only);
- active_calls() holds the ids of the calls not released (or carried on after a transfer);
- an answered call goes PartyJoined(agent), DIALING, RINGING, CONNECTED, DialCompleted(ANSWERED),
  PartyJoined(customer), in that order; a call that fails has RELEASED(cause=<result>);
- a repeated make_call (same call id) never dials again, even after the call ended;
- release of a call that is already over does nothing;
- a single-step transfer to a target that declines leaves the call CONNECTED with the agent;
- refusals are SwitchErrors with stable codes: unknown-call, unknown-consultation,
  invalid-call-state, invalid-consultation-state, invalid-dtmf.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pytest

from ringback.telephony.switch import (
    CallState,
    CallStateChanged,
    ConsultationChanged,
    ConsultationState,
    DialCompleted,
    DialResult,
    DtmfSent,
    PartyJoined,
    PartyLeft,
    PartyRole,
    Switch,
    SwitchError,
    SwitchEvent,
)

Predicate = Callable[[SwitchEvent], bool]


@dataclass(frozen=True, kw_only=True)
class ContractEnvironment:
    """A started switch and addresses on it that behave as their names say."""

    switch: Switch
    place: str  # the agent's place, e.g. "place:1001"
    # Customer numbers (E.164):
    answers: str  # answers and stays on the line until released
    answers_then_hangs_up: str  # answers, then hangs up within ``timeout``
    busy: str
    no_answer: str  # rings for at least a moment, never answers
    # Only for SwitchContract: lines a switch detecting machines reports as such.
    answering_machine: str | None = None
    fax: str | None = None
    invalid: str
    network_error: str
    # Transfer, conference and consultation targets:
    target_accepts: str  # another agent's place ("place:<ext>") that accepts and stays
    target_declines: str
    target_accepts_then_ends: str  # accepts, then hangs up within ``timeout``
    timeout: float = 2.0  # the longest any awaited event may take, in seconds
    settle_seconds: float = 0.2  # how long to watch for events that must not come


def new_id(kind: str) -> str:
    # Unique across tests, so that a driver may share one switch between them.
    return f"{kind}-{uuid.uuid4().hex[:12]}"


def describe(event: SwitchEvent) -> tuple[object, ...]:
    """An event without its call id and time, compact enough to compare sequences."""
    match event:
        case PartyJoined():
            return ("joined", event.address, event.role)
        case PartyLeft():
            return ("left", event.address, event.role, event.cause)
        case CallStateChanged():
            return ("state", event.state, event.cause)
        case DialCompleted():
            return ("dial", event.result)
        case ConsultationChanged():
            return ("consultation", event.consultation_id, event.target, event.state)
        case DtmfSent():
            return ("dtmf", event.digits)
    return ("event", type(event).__name__)


class EventRecorder:
    """Subscribed to a switch: keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[SwitchEvent] = []
        self._arrived = asyncio.Event()

    async def __call__(self, event: SwitchEvent) -> None:
        self.events.append(event)
        self._arrived.set()

    def of_call(self, call_id: str) -> list[SwitchEvent]:
        return [event for event in self.events if event.call_id == call_id]

    def story(self, call_id: str) -> list[tuple[object, ...]]:
        """The call's events so far, described."""
        return [describe(event) for event in self.of_call(call_id)]

    def state(self, call_id: str) -> CallState | None:
        """The call's last reported state."""
        states = [e.state for e in self.of_call(call_id) if isinstance(e, CallStateChanged)]
        return states[-1] if states else None

    def parties(self, call_id: str) -> set[tuple[str, PartyRole]]:
        """Who is in the call according to its PartyJoined and PartyLeft events."""
        present: set[tuple[str, PartyRole]] = set()
        for event in self.of_call(call_id):
            if isinstance(event, PartyJoined):
                present.add((event.address, event.role))
            elif isinstance(event, PartyLeft):
                present.discard((event.address, event.role))
        return present

    async def wait_for(self, predicate: Predicate, within: float) -> SwitchEvent:
        """The first event, past or future, matching ``predicate``; fails after ``within`` s."""
        await self.wait_until(lambda: any(predicate(event) for event in self.events), within)
        return next(event for event in self.events if predicate(event))

    async def wait_until(self, condition: Callable[[], bool], within: float) -> None:
        """Return once ``condition`` holds, checking after every event; fail after ``within`` s."""
        deadline = asyncio.get_running_loop().time() + within
        while not condition():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = "\n  ".join(f"{e.call_id}: {describe(e)}" for e in self.events)
                raise AssertionError(f"not seen within {within} s; the events were:\n  {seen}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def wait_for_last(
        self, call_id: str, description: tuple[object, ...], within: float
    ) -> None:
        """Wait until the call's latest event is the one described (see :func:`describe`)."""
        await self.wait_until(lambda: self.story(call_id)[-1:] == [description], within)

    async def settle(self, seconds: float) -> None:
        """Let events that are (wrongly) on their way arrive before a test says none came."""
        await asyncio.sleep(seconds)


# -- predicates ------------------------------------------------------------------------------


def state_is(call_id: str, state: CallState) -> Predicate:
    return lambda e: isinstance(e, CallStateChanged) and e.call_id == call_id and e.state is state


def released(call_id: str) -> Predicate:
    return state_is(call_id, CallState.RELEASED)


def dial_completed(call_id: str) -> Predicate:
    return lambda e: isinstance(e, DialCompleted) and e.call_id == call_id


def joined(call_id: str, address: str) -> Predicate:
    return lambda e: isinstance(e, PartyJoined) and e.call_id == call_id and e.address == address


def left(call_id: str, address: str) -> Predicate:
    return lambda e: isinstance(e, PartyLeft) and e.call_id == call_id and e.address == address


def consultation_is(call_id: str, consultation_id: str, state: ConsultationState) -> Predicate:
    return lambda e: (
        isinstance(e, ConsultationChanged)
        and e.call_id == call_id
        and e.consultation_id == consultation_id
        and e.state is state
    )


def count(events: Sequence[SwitchEvent], predicate: Predicate) -> int:
    return sum(1 for event in events if predicate(event))


async def raises_switch_error(code: str, request: Awaitable[None]) -> SwitchError:
    with pytest.raises(SwitchError) as caught:
        await request
    assert caught.value.code == code, caught.value.detail
    return caught.value


# -- the suite -------------------------------------------------------------------------------

UNSUCCESSFUL = [
    ("busy", DialResult.BUSY),
    ("no_answer", DialResult.NO_ANSWER),
    ("invalid", DialResult.INVALID_NUMBER),
    ("network_error", DialResult.NETWORK_ERROR),
]
# Results of a switch that listens to the answered line (answering machine and fax detection).
DETECTED = [
    ("answering_machine", DialResult.ANSWERING_MACHINE),
    ("fax", DialResult.FAX),
]

Request = Callable[[Switch, ContractEnvironment, str], Awaitable[None]]

REQUESTS_ON_A_CALL: dict[str, Request] = {
    "answer": lambda s, env, call_id: s.answer(call_id=call_id, address=env.place),
    "release": lambda s, env, call_id: s.release(call_id=call_id),
    "hold": lambda s, env, call_id: s.hold(call_id=call_id),
    "retrieve": lambda s, env, call_id: s.retrieve(call_id=call_id),
    "send_dtmf": lambda s, env, call_id: s.send_dtmf(call_id=call_id, digits="1"),
    "single_step_transfer": lambda s, env, call_id: s.single_step_transfer(
        call_id=call_id, destination=env.target_accepts
    ),
    "single_step_conference": lambda s, env, call_id: s.single_step_conference(
        call_id=call_id, destination=env.target_accepts
    ),
    "init_consultation": lambda s, env, call_id: s.init_consultation(
        call_id=call_id, consultation_id="consultation-1", destination=env.target_accepts
    ),
    "complete_transfer": lambda s, env, call_id: s.complete_transfer(
        call_id=call_id, consultation_id="consultation-1"
    ),
    "complete_conference": lambda s, env, call_id: s.complete_conference(
        call_id=call_id, consultation_id="consultation-1"
    ),
    "cancel_consultation": lambda s, env, call_id: s.cancel_consultation(
        call_id=call_id, consultation_id="consultation-1"
    ),
}


class CallControlContract:
    """The contract tests but machine detection; a subclass provides ``environment``."""

    pytestmark = pytest.mark.anyio

    @pytest.fixture
    def recorder(self, environment: ContractEnvironment) -> EventRecorder:
        recorder = EventRecorder()
        environment.switch.subscribe(recorder)
        return recorder

    async def connected_call(
        self, environment: ContractEnvironment, recorder: EventRecorder, number: str = ""
    ) -> str:
        """A call to a customer who answered; returns its call id."""
        call_id = new_id("call")
        destination = number or environment.answers
        await environment.switch.make_call(
            call_id=call_id, place=environment.place, destination=destination
        )
        await recorder.wait_for(joined(call_id, destination), environment.timeout)
        return call_id

    async def consulting(
        self, environment: ContractEnvironment, recorder: EventRecorder, target: str
    ) -> tuple[str, str]:
        """A connected call whose agent consults ``target`` (not yet answered)."""
        call_id = await self.connected_call(environment, recorder)
        consultation_id = new_id("consultation")
        await environment.switch.init_consultation(
            call_id=call_id, consultation_id=consultation_id, destination=target
        )
        return call_id, consultation_id

    async def receiving_agent_has_the_call(
        self, environment: ContractEnvironment, recorder: EventRecorder, call_id: str
    ) -> None:
        """After a transfer to another agent's place, that agent controls the call by its id."""
        assert call_id in await environment.switch.active_calls()
        await environment.switch.hold(call_id=call_id)
        await recorder.wait_for_last(call_id, ("state", CallState.HELD, None), environment.timeout)
        await environment.switch.retrieve(call_id=call_id)
        await recorder.wait_for_last(
            call_id, ("state", CallState.CONNECTED, None), environment.timeout
        )
        await environment.switch.release(call_id=call_id)
        await recorder.wait_for_last(
            call_id, ("state", CallState.RELEASED, "agent"), environment.timeout
        )
        assert call_id not in await environment.switch.active_calls()

    # -- outbound results ------------------------------------------------------------------

    async def test_answered_call_reports_its_progress_in_order(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)

        assert recorder.story(call_id) == [
            ("joined", environment.place, PartyRole.AGENT),
            ("state", CallState.DIALING, None),
            ("state", CallState.RINGING, None),
            ("state", CallState.CONNECTED, None),
            ("dial", DialResult.ANSWERED),
            ("joined", environment.answers, PartyRole.CUSTOMER),
        ]
        stamps = [event.at for event in recorder.of_call(call_id)]
        assert all(at.utcoffset() == timedelta(0) for at in stamps)
        assert stamps == sorted(stamps)

    @pytest.mark.parametrize(("number", "result"), UNSUCCESSFUL)
    async def test_unsuccessful_call_reports_its_result_then_ends(
        self,
        environment: ContractEnvironment,
        recorder: EventRecorder,
        number: str,
        result: DialResult,
    ) -> None:
        await self.fails_with(environment, recorder, getattr(environment, number), result)

    async def fails_with(
        self,
        environment: ContractEnvironment,
        recorder: EventRecorder,
        destination: str,
        result: DialResult,
    ) -> None:
        """A call to ``destination`` reports ``result`` and ends, without the customer."""
        call_id = new_id("call")
        await environment.switch.make_call(
            call_id=call_id, place=environment.place, destination=destination
        )
        await recorder.wait_for(released(call_id), environment.timeout)
        await recorder.settle(environment.settle_seconds)

        story = recorder.story(call_id)
        assert story[:2] == [
            ("joined", environment.place, PartyRole.AGENT),
            ("state", CallState.DIALING, None),
        ]
        assert story[-2:] == [("dial", result), ("state", CallState.RELEASED, result.value)]
        assert ("state", CallState.CONNECTED, None) not in story
        assert not any(event[0] == "joined" and event[1] == destination for event in story)
        assert count(recorder.of_call(call_id), dial_completed(call_id)) == 1

    async def test_agent_releases_a_call_still_ringing_as_no_answer(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = new_id("call")
        await environment.switch.make_call(
            call_id=call_id, place=environment.place, destination=environment.no_answer
        )
        await recorder.wait_for(state_is(call_id, CallState.RINGING), environment.timeout)
        await environment.switch.release(call_id=call_id)
        await recorder.wait_for(released(call_id), environment.timeout)
        await recorder.settle(environment.settle_seconds)

        assert recorder.story(call_id)[-2:] == [
            ("dial", DialResult.NO_ANSWER),
            ("state", CallState.RELEASED, "agent"),
        ]
        assert count(recorder.of_call(call_id), dial_completed(call_id)) == 1

    # -- the call ends ---------------------------------------------------------------------

    async def test_agent_releases_the_call(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        await environment.switch.release(call_id=call_id)
        await recorder.wait_for(released(call_id), environment.timeout)

        assert recorder.story(call_id)[-1] == ("state", CallState.RELEASED, "agent")

    async def test_releasing_a_call_already_over_does_nothing(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        await environment.switch.release(call_id=call_id)
        await recorder.wait_for(released(call_id), environment.timeout)

        await environment.switch.release(call_id=call_id)
        await recorder.settle(environment.settle_seconds)

        assert count(recorder.of_call(call_id), released(call_id)) == 1

    async def test_customer_hangs_up(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        number = environment.answers_then_hangs_up
        call_id = await self.connected_call(environment, recorder, number)
        await recorder.wait_for(released(call_id), environment.timeout)

        assert recorder.story(call_id)[-2:] == [
            ("left", number, PartyRole.CUSTOMER, "hangup"),
            ("state", CallState.RELEASED, "customer"),
        ]

    # -- hold, retrieve, DTMF --------------------------------------------------------------

    async def test_hold_and_retrieve(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        await environment.switch.hold(call_id=call_id)
        await recorder.wait_for(state_is(call_id, CallState.HELD), environment.timeout)
        await environment.switch.retrieve(call_id=call_id)
        await recorder.wait_for_last(
            call_id, ("state", CallState.CONNECTED, None), environment.timeout
        )

        assert recorder.story(call_id)[-2:] == [
            ("state", CallState.HELD, None),
            ("state", CallState.CONNECTED, None),
        ]

    async def test_hold_and_retrieve_are_refused_in_the_wrong_state(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        switch = environment.switch
        ringing = new_id("call")
        await switch.make_call(
            call_id=ringing, place=environment.place, destination=environment.no_answer
        )
        await raises_switch_error("invalid-call-state", switch.hold(call_id=ringing))

        call_id = await self.connected_call(environment, recorder)
        await raises_switch_error("invalid-call-state", switch.retrieve(call_id=call_id))
        await switch.hold(call_id=call_id)
        await raises_switch_error("invalid-call-state", switch.hold(call_id=call_id))
        await switch.release(call_id=call_id)
        await raises_switch_error("invalid-call-state", switch.retrieve(call_id=call_id))
        await raises_switch_error("invalid-call-state", switch.hold(call_id=call_id))

    async def test_dtmf_digits_are_sent(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        await environment.switch.send_dtmf(call_id=call_id, digits="0123456789*#ABCD")

        event = await recorder.wait_for(
            lambda e: isinstance(e, DtmfSent) and e.call_id == call_id, environment.timeout
        )
        assert describe(event) == ("dtmf", "0123456789*#ABCD")

    @pytest.mark.parametrize("digits", ["", "12x", "1 2", "E", "+1"])
    async def test_invalid_dtmf_digits_are_refused(
        self, environment: ContractEnvironment, recorder: EventRecorder, digits: str
    ) -> None:
        call_id = await self.connected_call(environment, recorder)

        await raises_switch_error(
            "invalid-dtmf", environment.switch.send_dtmf(call_id=call_id, digits=digits)
        )
        await recorder.settle(environment.settle_seconds)
        assert not any(isinstance(e, DtmfSent) for e in recorder.of_call(call_id))

    # -- single-step transfer and conference -----------------------------------------------

    async def test_single_step_transfer_hands_the_customer_over(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        target = environment.target_accepts
        await environment.switch.single_step_transfer(call_id=call_id, destination=target)
        await recorder.wait_for(released(call_id), environment.timeout)

        assert recorder.story(call_id)[-3:] == [
            ("joined", target, PartyRole.TARGET),
            ("left", environment.place, PartyRole.AGENT, "transfer"),
            ("state", CallState.RELEASED, "transfer"),
        ]
        await self.receiving_agent_has_the_call(environment, recorder, call_id)

    async def test_single_step_transfer_to_a_declining_target_keeps_the_call(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        target = environment.target_declines
        await environment.switch.single_step_transfer(call_id=call_id, destination=target)
        await recorder.wait_for(left(call_id, target), environment.timeout)
        await recorder.settle(environment.settle_seconds)

        assert recorder.story(call_id)[-1] == ("left", target, PartyRole.TARGET, "declined")
        assert recorder.state(call_id) is CallState.CONNECTED
        assert recorder.parties(call_id) == {
            (environment.place, PartyRole.AGENT),
            (environment.answers, PartyRole.CUSTOMER),
        }
        # The agent still has the customer and can carry on.
        await environment.switch.hold(call_id=call_id)
        await recorder.wait_for(state_is(call_id, CallState.HELD), environment.timeout)

    async def test_single_step_conference_adds_the_target(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)
        target = environment.target_accepts
        await environment.switch.single_step_conference(call_id=call_id, destination=target)
        await recorder.wait_for(joined(call_id, target), environment.timeout)
        await recorder.settle(environment.settle_seconds)

        assert recorder.story(call_id)[-1] == ("joined", target, PartyRole.TARGET)
        assert recorder.state(call_id) is CallState.CONNECTED
        assert recorder.parties(call_id) == {
            (environment.place, PartyRole.AGENT),
            (environment.answers, PartyRole.CUSTOMER),
            (target, PartyRole.TARGET),
        }

    # -- consultation ----------------------------------------------------------------------

    async def test_consultation_accepted_then_cancelled(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        target = environment.target_accepts
        call_id, consultation_id = await self.consulting(environment, recorder, target)
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.CONNECTED),
            environment.timeout,
        )
        await environment.switch.cancel_consultation(
            call_id=call_id, consultation_id=consultation_id
        )
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.CANCELLED),
            environment.timeout,
        )
        await recorder.settle(environment.settle_seconds)

        assert recorder.story(call_id)[-5:] == [
            ("state", CallState.HELD, None),
            ("consultation", consultation_id, target, ConsultationState.RINGING),
            ("consultation", consultation_id, target, ConsultationState.CONNECTED),
            ("consultation", consultation_id, target, ConsultationState.CANCELLED),
            ("state", CallState.CONNECTED, None),
        ]

    async def test_consultation_completed_as_a_transfer(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        target = environment.target_accepts
        call_id, consultation_id = await self.consulting(environment, recorder, target)
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.CONNECTED),
            environment.timeout,
        )
        await environment.switch.complete_transfer(call_id=call_id, consultation_id=consultation_id)
        await recorder.wait_for(released(call_id), environment.timeout)

        story = recorder.story(call_id)
        assert ("consultation", consultation_id, target, ConsultationState.TRANSFERRED) in story
        assert story[-2:] == [
            ("left", environment.place, PartyRole.AGENT, "transfer"),
            ("state", CallState.RELEASED, "transfer"),
        ]
        await self.receiving_agent_has_the_call(environment, recorder, call_id)

    async def test_consultation_completed_as_a_conference(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        target = environment.target_accepts
        call_id, consultation_id = await self.consulting(environment, recorder, target)
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.CONNECTED),
            environment.timeout,
        )
        await environment.switch.complete_conference(
            call_id=call_id, consultation_id=consultation_id
        )
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.CONFERENCED),
            environment.timeout,
        )
        await recorder.wait_for(joined(call_id, target), environment.timeout)
        await recorder.settle(environment.settle_seconds)

        assert recorder.state(call_id) is CallState.CONNECTED
        assert recorder.parties(call_id) == {
            (environment.place, PartyRole.AGENT),
            (environment.answers, PartyRole.CUSTOMER),
            (target, PartyRole.TARGET),
        }

    async def test_declined_consultation_leaves_the_customer_on_hold(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        target = environment.target_declines
        call_id, consultation_id = await self.consulting(environment, recorder, target)
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.DECLINED),
            environment.timeout,
        )
        await recorder.settle(environment.settle_seconds)
        assert recorder.state(call_id) is CallState.HELD

        await environment.switch.retrieve(call_id=call_id)
        await recorder.wait_for_last(
            call_id, ("state", CallState.CONNECTED, None), environment.timeout
        )

    async def test_consultation_ended_by_the_target(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        target = environment.target_accepts_then_ends
        call_id, consultation_id = await self.consulting(environment, recorder, target)
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.ENDED),
            environment.timeout,
        )

        assert recorder.story(call_id)[-3:] == [
            ("consultation", consultation_id, target, ConsultationState.RINGING),
            ("consultation", consultation_id, target, ConsultationState.CONNECTED),
            ("consultation", consultation_id, target, ConsultationState.ENDED),
        ]
        assert recorder.state(call_id) is CallState.HELD
        await environment.switch.retrieve(call_id=call_id)
        await recorder.wait_for_last(
            call_id, ("state", CallState.CONNECTED, None), environment.timeout
        )

    async def test_consultation_cannot_be_completed_before_the_target_answers(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id, consultation_id = await self.consulting(
            environment, recorder, environment.target_declines
        )

        await raises_switch_error(
            "invalid-consultation-state",
            environment.switch.complete_transfer(call_id=call_id, consultation_id=consultation_id),
        )
        await recorder.wait_for(
            consultation_is(call_id, consultation_id, ConsultationState.DECLINED),
            environment.timeout,
        )
        await raises_switch_error(
            "invalid-consultation-state",
            environment.switch.complete_conference(
                call_id=call_id, consultation_id=consultation_id
            ),
        )

    async def test_unknown_consultation_is_refused(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        call_id = await self.connected_call(environment, recorder)

        for request in (
            environment.switch.complete_transfer,
            environment.switch.complete_conference,
            environment.switch.cancel_consultation,
        ):
            await raises_switch_error(
                "unknown-consultation", request(call_id=call_id, consultation_id="nobody")
            )

    # -- safety ----------------------------------------------------------------------------

    async def test_repeated_make_call_does_not_dial_again(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        switch, call_id = environment.switch, new_id("call")
        for _ in range(2):
            await switch.make_call(
                call_id=call_id, place=environment.place, destination=environment.answers
            )
        await recorder.wait_for(joined(call_id, environment.answers), environment.timeout)
        await switch.make_call(
            call_id=call_id, place=environment.place, destination=environment.answers
        )
        await recorder.settle(environment.settle_seconds)

        events = recorder.of_call(call_id)
        assert count(events, state_is(call_id, CallState.DIALING)) == 1
        assert count(events, dial_completed(call_id)) == 1
        assert count(events, joined(call_id, environment.answers)) == 1
        assert recorder.state(call_id) is CallState.CONNECTED

    async def test_repeated_make_call_after_the_call_ended_does_not_dial_again(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        switch, call_id = environment.switch, new_id("call")
        await switch.make_call(
            call_id=call_id, place=environment.place, destination=environment.busy
        )
        await recorder.wait_for(released(call_id), environment.timeout)

        await switch.make_call(
            call_id=call_id, place=environment.place, destination=environment.busy
        )
        await recorder.settle(environment.settle_seconds)

        events = recorder.of_call(call_id)
        assert count(events, state_is(call_id, CallState.DIALING)) == 1
        assert count(events, dial_completed(call_id)) == 1
        assert recorder.story(call_id)[-1] == ("state", CallState.RELEASED, "busy")

    async def test_active_calls_are_the_calls_not_released(
        self, environment: ContractEnvironment, recorder: EventRecorder
    ) -> None:
        switch, failed = environment.switch, new_id("call")
        await switch.make_call(
            call_id=failed, place=environment.place, destination=environment.busy
        )
        ringing = new_id("call")
        await switch.make_call(
            call_id=ringing, place=environment.place, destination=environment.no_answer
        )
        assert ringing in await switch.active_calls()
        talking = await self.connected_call(environment, recorder)
        await recorder.wait_for(released(failed), environment.timeout)

        active = await switch.active_calls()
        assert talking in active
        assert failed not in active
        await switch.release(call_id=talking)
        await recorder.wait_for(released(talking), environment.timeout)
        assert talking not in await switch.active_calls()

    @pytest.mark.parametrize("request_name", sorted(REQUESTS_ON_A_CALL))
    async def test_unknown_call_is_refused(
        self, environment: ContractEnvironment, recorder: EventRecorder, request_name: str
    ) -> None:
        request = REQUESTS_ON_A_CALL[request_name]

        await raises_switch_error(
            "unknown-call", request(environment.switch, environment, new_id("nobody"))
        )
        assert recorder.events == []


class SwitchContract(CallControlContract):
    """The whole contract: call control, and answering machines and faxes told from people."""

    @pytest.mark.parametrize(("number", "result"), DETECTED)
    async def test_detected_machine_reports_its_result_then_ends(
        self,
        environment: ContractEnvironment,
        recorder: EventRecorder,
        number: str,
        result: DialResult,
    ) -> None:
        destination = getattr(environment, number)
        assert destination is not None, f"the environment has no {number} number"
        await self.fails_with(environment, recorder, destination, result)
