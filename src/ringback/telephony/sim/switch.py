"""The simulated switch: Ringback's embedded phone system, and the test double for telephony.

It runs in-process on asyncio and does what its :class:`SimulatorScript` says, after the
scripted number of seconds (real waiting; the clock only stamps events). What each request
sends, in order (every event carries the call id):

- ``make_call``: PartyJoined(place, agent), CallStateChanged(DIALING), CallStateChanged(RINGING)
  unless the line is busy, the number invalid or the network failing; then, ``ring_seconds``
  later, either CallStateChanged(CONNECTED), DialCompleted(ANSWERED), PartyJoined(number,
  customer), or DialCompleted(result) and CallStateChanged(RELEASED, cause=result). Answering
  machines and faxes are detected by the switch and never reach the agent. A destination that
  is not an E.164 number is an invalid number at once, whatever the script says. A call id
  that was already dialled is never dialled again: the request is ignored (the outbox may
  redeliver it).
- A customer who hangs up: PartyLeft(number, customer, cause="hangup"), RELEASED("customer").
- ``release``: RELEASED(cause="agent"); while still dialling, DialCompleted(NO_ANSWER) first, so
  every call reports exactly one result. Releasing a call that is already over does nothing.
- ``hold`` / ``retrieve``: HELD / CONNECTED, only from CONNECTED / HELD.
- ``send_dtmf``: DtmfSent, only while CONNECTED.
- ``single_step_transfer``: blind; after the target's ``ring_seconds``, either
  PartyJoined(target), PartyLeft(place, agent, cause="transfer"), RELEASED(cause="transfer"),
  or, if the target declines, PartyLeft(target, target, cause="declined") and the call stays
  CONNECTED with the agent, who may try again (a blind transfer cannot fail as a request: the
  refusal arrives later, as an event).
- ``single_step_conference``: PartyJoined(target) (the call stays CONNECTED), or
  PartyLeft(target, cause="declined"). A target that ends later: PartyLeft(cause="hangup").
- ``init_consultation``: HELD (the customer), ConsultationChanged(RINGING), then CONNECTED or
  DECLINED, and ENDED if the target hangs up. After DECLINED or ENDED the customer stays on hold
  until the agent retrieves them or starts another consultation.
- ``complete_transfer``: ConsultationChanged(TRANSFERRED), PartyJoined(target),
  PartyLeft(place, agent, cause="transfer"), RELEASED(cause="transfer").
- ``complete_conference``: ConsultationChanged(CONFERENCED), PartyJoined(target), CONNECTED.
- ``cancel_consultation``: ConsultationChanged(CANCELLED), CONNECTED. After the target already
  declined or ended it, only CONNECTED (the customer is taken off hold).
- When a call is released, a consultation still ringing or connected ends with it
  (ConsultationChanged(ENDED) before RELEASED).

RELEASED(cause="transfer") ends the call for the agent who transferred it. When the target was
another agent's place, the call carries on under the same id with that place as its agent
(CONNECTED, no further event): the receiving agent holds, retrieves, transfers and releases it
by the same call id, and it stays in :meth:`SimulatedSwitch.active_calls`. A call transferred to
a queue, a routing point or a number leaves Ringback's control and is over.

Requests repeated after they took effect (same call id for ``make_call``, same consultation id
for ``init_consultation``, a completed or cancelled consultation) are ignored. Refusals are
SwitchErrors: ``unknown-call``, ``unknown-consultation``, ``invalid-call-state``,
``invalid-consultation-state``, ``invalid-dtmf``, ``invalid-address``, ``switch-not-running``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import structlog

from ringback.clock import Clock
from ringback.telephony.announcer import CallAnnouncer
from ringback.telephony.sim.calls import (
    CallAction,
    CallView,
    Consultation,
    ConsultationAction,
    Party,
    SimulatedCall,
    check_dtmf,
    check_place,
    check_target,
    is_e164,
    is_place,
)
from ringback.telephony.sim.script import (
    CustomerResponse,
    SimulatorScript,
    TargetBehaviour,
    TargetResponse,
)
from ringback.telephony.switch import (
    CallState,
    ConsultationState,
    DialCompleted,
    DialResult,
    DtmfSent,
    EventHandler,
    PartyRole,
    Switch,
    SwitchError,
    SwitchEvent,
)

log = structlog.get_logger(__name__)

Timers = set[asyncio.Task[None]]


class SimulatedSwitch(CallAnnouncer):
    """A :class:`~ringback.telephony.switch.Switch` whose customers and targets follow a script."""

    def __init__(self, *, script: SimulatorScript, clock: Clock) -> None:
        self._script = script
        self._clock = clock
        self._calls: dict[str, SimulatedCall] = {}
        self._handlers: list[EventHandler] = []
        self._events: asyncio.Queue[SwitchEvent | None] = asyncio.Queue()
        self._dispatcher: asyncio.Task[None] | None = None
        self._timers: Timers = set()
        self._running = False

    @property
    def script(self) -> SimulatorScript:
        return self._script

    # -- what tests and the demo look at --------------------------------------------------

    def calls(self) -> Mapping[str, CallView]:
        """Every call this switch has seen, by call id, as it is now."""
        return {call_id: call.view() for call_id, call in self._calls.items()}

    def call(self, call_id: str) -> CallView:
        """One call as it is now; an unknown id raises SwitchError("unknown-call")."""
        return self._known(call_id).view()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._running:
            return
        self._events = asyncio.Queue()
        self._dispatcher = asyncio.get_running_loop().create_task(
            self._deliver(), name="simulated switch events"
        )
        self._running = True

    async def close(self) -> None:
        """Cancel every pending script step, deliver the events already sent, then stop."""
        if not self._running:
            return
        self._running = False
        pending = list(self._timers)
        for timer in pending:
            timer.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._events.put_nowait(None)
        dispatcher, self._dispatcher = self._dispatcher, None
        # A handler may close the switch; it cannot wait for its own delivery to finish.
        if dispatcher is not None and dispatcher is not asyncio.current_task():
            await dispatcher

    # -- requests --------------------------------------------------------------------------

    async def active_calls(self) -> set[str]:
        """The ids of the calls not released yet."""
        return {
            call_id for call_id, call in self._calls.items() if call.state is not CallState.RELEASED
        }

    async def make_call(
        self,
        *,
        call_id: str,
        place: str,
        destination: str,
        caller_id: str | None = None,
        ring_seconds: float | None = None,
    ) -> None:
        self._require_running()
        if call_id in self._calls:
            log.info("make_call repeated for a call already placed: ignored", call_id=call_id)
            return
        check_place(place)
        behaviour = self._script.number_behaviour(destination)
        response, rings_for = behaviour.behaviour, behaviour.ring_seconds
        if not is_e164(destination):
            # A malformed number never leaves the switch: it is refused at once.
            response, rings_for = CustomerResponse.INVALID_NUMBER, 0.0
        elif response.rings and ring_seconds is not None and rings_for > ring_seconds:
            response, rings_for = CustomerResponse.NO_ANSWER, ring_seconds  # not picked up in time
        call = SimulatedCall(
            call_id=call_id, place=place, destination=destination, caller_id=caller_id
        )
        self._calls[call_id] = call
        call.dial_count += 1
        log.info(
            "dialling",
            call_id=call_id,
            destination=destination,
            caller_id=caller_id,
            response=str(response),
        )
        self._join(call, Party(place, PartyRole.AGENT))
        self._announce_state(call)
        if response.rings:
            call.apply(CallAction.RING)
            self._announce_state(call)
        self._later(
            rings_for,
            lambda: self._dial_ends(call, response, behaviour.hangup_after_seconds),
            call.timers,
        )

    async def answer(self, *, call_id: str, address: str) -> None:
        call = self._call(call_id)
        call.require(
            "answer",
            CallState.DIALING,
            CallState.RINGING,
            CallState.CONNECTED,
            CallState.HELD,
            while_passing=True,
        )
        # The simulated switch answers the agent's place by itself (auto-answer, as outbound
        # contact centers configure their phones), so answering it again changes nothing.
        if not call.has_party(address, PartyRole.AGENT):
            raise SwitchError("invalid-address", f"nothing rings at {address} on call {call_id}")

    async def release(self, *, call_id: str) -> None:
        call = self._call(call_id)
        if call.state is CallState.RELEASED:
            return  # the customer hung up first, or this is a repeated request
        if call.result is None:
            call.result = DialResult.NO_ANSWER
            self._emit(DialCompleted(call_id=call_id, at=self._clock.now(), result=call.result))
        self._release(call, cause="agent")

    async def hold(self, *, call_id: str) -> None:
        call = self._call(call_id)
        call.require("hold", CallState.CONNECTED)
        call.apply(CallAction.HOLD)
        self._announce_state(call)

    async def retrieve(self, *, call_id: str) -> None:
        call = self._call(call_id)
        call.require("retrieve", CallState.HELD)
        consultation = call.live_consultation()
        if consultation is not None:
            raise SwitchError(
                "invalid-call-state",
                f"call {call_id} is consulting {consultation.target}: cancel or complete "
                f"consultation {consultation.consultation_id} first",
            )
        call.apply(CallAction.RETRIEVE)
        self._announce_state(call)

    async def send_dtmf(self, *, call_id: str, digits: str) -> None:
        call = self._call(call_id)
        check_dtmf(digits)
        call.require("send DTMF", CallState.CONNECTED, while_passing=True)
        self._emit(DtmfSent(call_id=call_id, at=self._clock.now(), digits=digits))

    async def single_step_transfer(self, *, call_id: str, destination: str) -> None:
        call = self._call(call_id)
        check_target(destination)
        call.require("transfer", CallState.CONNECTED)
        self._pass_to(call, destination, conference=False)

    async def single_step_conference(self, *, call_id: str, destination: str) -> None:
        call = self._call(call_id)
        check_target(destination)
        call.require("conference", CallState.CONNECTED)
        self._pass_to(call, destination, conference=True)

    async def init_consultation(
        self, *, call_id: str, consultation_id: str, destination: str
    ) -> None:
        call = self._call(call_id)
        if consultation_id in call.consultations:
            log.info("consultation repeated: ignored", call_id=call_id, id=consultation_id)
            return
        check_target(destination)
        call.require("consult", CallState.CONNECTED, CallState.HELD)
        ongoing = call.live_consultation()
        if ongoing is not None:
            raise SwitchError(
                "invalid-call-state",
                f"call {call_id} is already consulting {ongoing.target} "
                f"(consultation {ongoing.consultation_id})",
            )
        if call.state is CallState.CONNECTED:
            call.apply(CallAction.HOLD)
            self._announce_state(call)
        consultation = Consultation(consultation_id=consultation_id, target=destination)
        call.consultations[consultation_id] = consultation
        self._announce_consultation(call, consultation)
        behaviour = self._script.target_behaviour(destination)
        self._later(
            behaviour.ring_seconds,
            lambda: self._consultation_answered(call, consultation, behaviour),
            call.timers,
            consultation.timers,
        )

    async def complete_transfer(self, *, call_id: str, consultation_id: str) -> None:
        call = self._call(call_id)
        consultation = self._consultation(call, consultation_id)
        if consultation.state is ConsultationState.TRANSFERRED:
            return
        consultation.apply(call_id, ConsultationAction.TRANSFER)
        # The target took the call; what the script said it would do later no longer applies.
        self._cancel(consultation.timers)
        self._announce_consultation(call, consultation)
        self._join(call, Party(consultation.target, PartyRole.TARGET))
        self._transferred(call, consultation.target)

    async def complete_conference(self, *, call_id: str, consultation_id: str) -> None:
        call = self._call(call_id)
        consultation = self._consultation(call, consultation_id)
        if consultation.state is ConsultationState.CONFERENCED:
            return
        consultation.apply(call_id, ConsultationAction.CONFERENCE)
        self._announce_consultation(call, consultation)
        self._join(call, Party(consultation.target, PartyRole.TARGET))
        call.apply(CallAction.RETRIEVE)
        self._announce_state(call)

    async def cancel_consultation(self, *, call_id: str, consultation_id: str) -> None:
        call = self._call(call_id)
        consultation = self._consultation(call, consultation_id)
        if consultation.state is ConsultationState.CANCELLED:
            return
        if consultation.live:
            consultation.apply(call_id, ConsultationAction.CANCEL)
            self._cancel(consultation.timers)
            self._announce_consultation(call, consultation)
        elif consultation.state in (ConsultationState.DECLINED, ConsultationState.ENDED):
            # The target left first; the agent still wants the customer back.
            call.require(
                "end the consultation", CallState.HELD, CallState.CONNECTED, while_passing=True
            )
        else:
            raise SwitchError(
                "invalid-consultation-state",
                f"consultation {consultation_id} on call {call_id} is {consultation.state}: "
                "there is nothing left to cancel",
            )
        if call.state is CallState.HELD:
            call.apply(CallAction.RETRIEVE)
            self._announce_state(call)

    # -- what the script makes happen ------------------------------------------------------

    def _dial_ends(
        self, call: SimulatedCall, response: CustomerResponse, hangup_after: float | None
    ) -> None:
        if call.state is CallState.RELEASED:
            return
        call.result = response.result
        if response is not CustomerResponse.ANSWER:
            self._emit(
                DialCompleted(call_id=call.call_id, at=self._clock.now(), result=call.result)
            )
            self._release(call, cause=call.result.value)
            return
        call.apply(CallAction.ANSWER)
        self._announce_state(call)
        self._emit(DialCompleted(call_id=call.call_id, at=self._clock.now(), result=call.result))
        customer = Party(call.destination, PartyRole.CUSTOMER)
        self._join(call, customer)
        if hangup_after is not None:
            self._later(hangup_after, lambda: self._customer_hangs_up(call, customer), call.timers)

    def _customer_hangs_up(self, call: SimulatedCall, customer: Party) -> None:
        if call.state is CallState.RELEASED or customer not in call.parties:
            return
        self._leave(call, customer, cause="hangup")
        self._release(call, cause="customer")

    def _pass_to(self, call: SimulatedCall, destination: str, *, conference: bool) -> None:
        if call.has_party(destination, PartyRole.TARGET):
            raise SwitchError("invalid-address", f"{destination} is already in call {call.call_id}")
        call.ringing_target = destination
        behaviour = self._script.target_behaviour(destination)
        self._later(
            behaviour.ring_seconds,
            lambda: self._passed_target_answers(call, behaviour, destination, conference),
            call.timers,
        )

    def _passed_target_answers(
        self, call: SimulatedCall, behaviour: TargetBehaviour, target: str, conference: bool
    ) -> None:
        if call.state is CallState.RELEASED or call.ringing_target != target:
            return
        call.ringing_target = None
        party = Party(target, PartyRole.TARGET)
        if behaviour.behaviour is TargetResponse.DECLINE:
            self._leave(call, party, cause="declined")
            return
        self._join(call, party)
        if not conference:
            self._transferred(call, target)
        elif behaviour.end_after_seconds is not None:
            self._later(
                behaviour.end_after_seconds, lambda: self._target_hangs_up(call, party), call.timers
            )

    def _target_hangs_up(self, call: SimulatedCall, party: Party) -> None:
        if call.state is not CallState.RELEASED and party in call.parties:
            self._leave(call, party, cause="hangup")

    def _consultation_answered(
        self, call: SimulatedCall, consultation: Consultation, behaviour: TargetBehaviour
    ) -> None:
        if consultation.state is not ConsultationState.RINGING:
            return
        if behaviour.behaviour is TargetResponse.DECLINE:
            consultation.apply(call.call_id, ConsultationAction.DECLINE)
            self._announce_consultation(call, consultation)
            return
        consultation.apply(call.call_id, ConsultationAction.ACCEPT)
        self._announce_consultation(call, consultation)
        if behaviour.end_after_seconds is not None:
            self._later(
                behaviour.end_after_seconds,
                lambda: self._consulted_target_hangs_up(call, consultation),
                call.timers,
                consultation.timers,
            )

    def _consulted_target_hangs_up(self, call: SimulatedCall, consultation: Consultation) -> None:
        if consultation.state is ConsultationState.CONNECTED:
            consultation.apply(call.call_id, ConsultationAction.END)
            self._announce_consultation(call, consultation)
        elif consultation.state is ConsultationState.CONFERENCED:
            self._target_hangs_up(call, Party(consultation.target, PartyRole.TARGET))

    def _transferred(self, call: SimulatedCall, target: str) -> None:
        """The agent hands the call to ``target`` and leaves: the call is over for them."""
        self._leave(call, Party(call.place, PartyRole.AGENT), cause="transfer")
        if not is_place(target):
            self._release(call, cause="transfer")  # it left for a queue or a number: gone
            return
        # Another agent took it: the call carries on under the same id, with that agent's
        # place as its agent, so Ringback hands the interaction over and keeps control of it.
        self._announce(call, CallState.RELEASED, cause="transfer")
        customer = Party(call.destination, PartyRole.CUSTOMER)
        call.parties = [party for party in (customer,) if party in call.parties]
        call.parties.append(Party(target, PartyRole.AGENT))
        if call.state is CallState.HELD:
            call.apply(CallAction.RETRIEVE)
        log.info("call transferred to another agent", call_id=call.call_id, place=target)
        call.place = target

    def _release(self, call: SimulatedCall, *, cause: str) -> None:
        for consultation in call.consultations.values():
            if consultation.live:
                consultation.apply(call.call_id, ConsultationAction.END)
                self._announce_consultation(call, consultation)
        call.apply(CallAction.RELEASE)
        call.ringing_target = None
        call.released_by = cause
        call.parties.clear()
        self._cancel(call.timers)
        self._announce_state(call, cause=cause)
        log.info("call released", call_id=call.call_id, cause=cause)

    # -- plumbing --------------------------------------------------------------------------

    def _require_running(self) -> None:
        if not self._running:
            raise SwitchError("switch-not-running", "the simulated switch is not started")

    def _known(self, call_id: str) -> SimulatedCall:
        call = self._calls.get(call_id)
        if call is None:
            raise SwitchError("unknown-call", f"no call {call_id!r} on this switch")
        return call

    def _call(self, call_id: str) -> SimulatedCall:
        self._require_running()
        return self._known(call_id)

    def _later(self, seconds: float, step: Callable[[], None], *owners: Timers) -> None:
        """Run ``step`` after ``seconds``, unless one of the ``owners`` is cancelled first."""
        groups = (self._timers, *owners)
        timer = asyncio.get_running_loop().create_task(self._after(seconds, step))
        for group in groups:
            group.add(timer)

        def forget(done: asyncio.Task[None]) -> None:
            for group in groups:
                group.discard(done)

        timer.add_done_callback(forget)

    @staticmethod
    async def _after(seconds: float, step: Callable[[], None]) -> None:
        await asyncio.sleep(seconds)
        try:
            step()
        except Exception:
            log.exception("simulated switch step failed")

    @staticmethod
    def _cancel(timers: Timers) -> None:
        # A step may end its own call (a customer hanging up): it must not cancel itself.
        current = asyncio.current_task()
        for timer in list(timers):
            if timer is not current:
                timer.cancel()


def _is_a_switch(switch: SimulatedSwitch) -> Switch:
    # Lets mypy prove that the simulated switch implements the whole interface.
    return switch
