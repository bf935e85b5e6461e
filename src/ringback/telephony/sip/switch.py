"""The SIP switch: Ringback's calls placed on real phones, as a back-to-back user agent.

``make_call`` calls the agent's place first (its SIP URI from the settings); once the agent
answers, it calls the customer through the trunk, and bridges the two legs' audio in the
conference bridge of the call's media worker (:mod:`~ringback.telephony.sip.pool`). Every
other request adds, drops, holds or re-bridges legs of that worker; the switch stays in the
middle of every call (no REFER), so any phone will do. The events are those of the simulated
switch, in the same order (see :mod:`ringback.telephony.sim.switch` and the contract suite):

- the agent answers: PartyJoined(place, agent), DIALING; the customer's phone rings (180/183):
  RINGING, and the agent hears its early media or a ringback tone; it answers: CONNECTED,
  DialCompleted(ANSWERED), PartyJoined(number, customer);
- the customer's final response or the ring timeout: DialCompleted(result), RELEASED(result)
  (:data:`~ringback.telephony.sip.addresses.DIAL_RESULTS`); a trunk that does not answer the
  INVITE at all within the setup timeout is a network error;
- an agent's phone that does not answer: DialCompleted(NETWORK_ERROR), RELEASED(network_error)
  (the customer was not called); an agent who hangs up their phone: PartyLeft(place, agent,
  "hangup") and the call is released (cause "agent");
- a destination that is not an E.164 number is an invalid number at once (no phone rings);
- hold: the customer's leg is re-INVITEd sendonly and hears the hold music; DTMF the customer
  sends (RFC 4733 or SIP INFO), and DTMF the agent's phone sends, which goes on to the
  customer, are reported as DtmfSent;
- transfers and conferences: a new leg to the target; a target that does not answer within the
  agent ring timeout, or refuses, declined.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict

import structlog
from prometheus_client import Counter
from prometheus_client.registry import Collector

from ringback.clock import Clock
from ringback.telephony.announcer import CallAnnouncer
from ringback.telephony.sim.calls import (
    CallAction,
    Consultation,
    ConsultationAction,
    Party,
    check_dtmf,
    check_place,
    check_target,
    is_e164,
    is_place,
)
from ringback.telephony.sip import hold_music
from ringback.telephony.sip.addresses import dial_result, number_uri, target_uri
from ringback.telephony.sip.calls import LegRole, SipCall, SipLeg, mix
from ringback.telephony.sip.pool import MediaWorker, WorkerPool
from ringback.telephony.sip.protocol import (
    Answered,
    Dial,
    DigitReceived,
    DigitsSent,
    Ended,
    HangUp,
    Hold,
    Message,
    Reached,
    Ringing,
    SendDtmf,
    Sync,
    Synced,
)
from ringback.telephony.sip.settings import LEGS_PER_CALL, SipSettings
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

# Released calls are remembered so that a repeated make_call never dials again (the outbox
# redelivers within minutes); the oldest are forgotten past this many.
FINISHED_CALLS_KEPT = 20_000
# Status codes the switch gives a leg it gave up on: no answer in time, no network at all.
RING_TIMEOUT = 408
SETUP_TIMEOUT = 503
# How long a worker has to confirm that it reported all it saw of a leg whose time is up
# (it answers in milliseconds); past it, the switch gives the leg up without that word.
SYNC_SECONDS = 2.0


class SipSwitch(CallAnnouncer):
    """A :class:`~ringback.telephony.switch.Switch` on SIP, through PJSIP media workers."""

    def __init__(self, *, settings: SipSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._calls: OrderedDict[str, SipCall] = OrderedDict()
        self._by_worker: dict[MediaWorker, SipCall] = {}
        self._leg_numbers = itertools.count(1)
        self._handlers: list[EventHandler] = []
        self._events: asyncio.Queue[SwitchEvent | None] = asyncio.Queue()
        self._dispatcher: asyncio.Task[None] | None = None
        self._pool = WorkerPool(
            settings,
            hold_music=settings.hold_music or hold_music.PACKAGED,
            on_event=self._on_worker_event,
            on_exit=self._on_worker_exit,
        )
        self._running = False
        self._responses = Counter(
            "ringback_switch_sip_responses",
            "SIP responses to the INVITEs of the legs the switch placed, by leg and status code",
            ["leg", "code"],
            registry=None,
        )

    def collectors(self) -> list[Collector]:
        return [self._responses]

    @property
    def settings(self) -> SipSettings:
        return self._settings

    def media_worker(self, call_id: str) -> MediaWorker | None:
        """The worker process that holds the call's legs now (None before and after)."""
        call = self._calls.get(call_id)
        return None if call is None else call.worker

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the spare media workers; SwitchError if they cannot start."""
        if self._running:
            return
        self._events = asyncio.Queue()
        self._dispatcher = asyncio.get_running_loop().create_task(
            self._deliver(), name="sip switch events"
        )
        try:
            await self._pool.start()
        except BaseException:
            await self._pool.close()
            self._stop_dispatcher()
            raise
        self._running = True
        log.info("sip switch started", address=str(self._settings.local_address))

    async def close(self) -> None:
        """Hang up every call (each worker ends its legs), deliver what was sent, then stop."""
        if not self._running:
            return
        self._running = False
        for call in self._calls.values():
            for leg in call.legs.values():
                # The workers hang every leg up: that is no news of a party hanging up.
                leg.cancel_timers()
                leg.hanging_up = True
        await self._pool.close()
        dispatcher = self._stop_dispatcher()
        if dispatcher is not None and dispatcher is not asyncio.current_task():
            await dispatcher

    def _stop_dispatcher(self) -> asyncio.Task[None] | None:
        self._events.put_nowait(None)
        dispatcher, self._dispatcher = self._dispatcher, None
        return dispatcher

    # -- requests --------------------------------------------------------------------------

    async def active_calls(self) -> set[str]:
        """The ids of the calls not released (a call carried on by another agent included)."""
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
        agent_uri = target_uri(self._settings, place)
        call = SipCall(
            call_id=call_id,
            place=place,
            destination=destination,
            caller_id=caller_id or self._settings.caller_id,
            ring_seconds=ring_seconds or self._settings.ring_timeout_seconds,
        )
        self._remember(call)
        if not is_e164(destination):
            log.info("not an E.164 number: not dialled", call_id=call_id)
            self._fail(call, DialResult.INVALID_NUMBER)
            return
        try:
            worker = await self._pool.acquire()
        except SwitchError as exc:
            log.error("no media worker for a call", call_id=call_id, detail=exc.detail)
            self._fail(call, DialResult.NETWORK_ERROR)
            return
        if call.state is CallState.RELEASED or not self._running:
            self._pool.give_back(worker)  # released while a worker was being started
            return
        call.worker = worker
        self._by_worker[worker] = call
        log.info("calling the agent", call_id=call_id, place=place, worker=worker.slot)
        call.agent = self._dial(call, LegRole.AGENT, place, agent_uri)

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
        # The agent's phone answers the switch's call itself (auto-answer, as outbound contact
        # centers set their phones up): there is nothing more to answer.
        if call.place != address:
            raise SwitchError("invalid-address", f"nothing rings at {address} on call {call_id}")

    async def release(self, *, call_id: str) -> None:
        call = self._call(call_id)
        if call.state is CallState.RELEASED:
            return  # the customer hung up first, or this is a repeated request
        self._report_result(call, DialResult.NO_ANSWER)
        self._release(call, cause="agent")

    async def hold(self, *, call_id: str) -> None:
        call = self._call(call_id)
        call.require("hold", CallState.CONNECTED)
        call.apply(CallAction.HOLD)
        self._hold_customer(call, held=True)
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
        self._hold_customer(call, held=False)
        self._announce_state(call)

    async def send_dtmf(self, *, call_id: str, digits: str) -> None:
        call = self._call(call_id)
        check_dtmf(digits)
        call.require("send DTMF", CallState.CONNECTED, while_passing=True)
        if call.customer is not None and call.customer.talking and call.worker is not None:
            call.worker.send(SendDtmf(leg=call.customer.number, digits=digits))

    async def single_step_transfer(self, *, call_id: str, destination: str) -> None:
        await self._pass_to(call_id, destination, conference=False)

    async def single_step_conference(self, *, call_id: str, destination: str) -> None:
        await self._pass_to(call_id, destination, conference=True)

    async def init_consultation(
        self, *, call_id: str, consultation_id: str, destination: str
    ) -> None:
        call = self._call(call_id)
        if consultation_id in call.consultations:
            log.info("consultation repeated: ignored", call_id=call_id, id=consultation_id)
            return
        check_target(destination)
        uri = target_uri(self._settings, destination)
        call.require("consult", CallState.CONNECTED, CallState.HELD)
        ongoing = call.live_consultation()
        if ongoing is not None:
            raise SwitchError(
                "invalid-call-state",
                f"call {call_id} is already consulting {ongoing.target} "
                f"(consultation {ongoing.consultation_id})",
            )
        self._require_room(call)
        if call.state is CallState.CONNECTED:
            call.apply(CallAction.HOLD)
            self._hold_customer(call, held=True)
            self._announce_state(call)
        consultation = Consultation(consultation_id=consultation_id, target=destination)
        call.consultations[consultation_id] = consultation
        self._announce_consultation(call, consultation)
        leg = self._dial(call, LegRole.CONSULTED, destination, uri)
        leg.consultation = consultation

    async def complete_transfer(self, *, call_id: str, consultation_id: str) -> None:
        call = self._call(call_id)
        consultation = self._consultation(call, consultation_id)
        if consultation.state is ConsultationState.TRANSFERRED:
            return
        consultation.apply(call_id, ConsultationAction.TRANSFER)
        self._announce_consultation(call, consultation)
        leg = call.consulted_leg(consultation)
        self._join(call, Party(consultation.target, PartyRole.TARGET))
        if leg is not None:
            leg.role = LegRole.TARGET
        self._transferred(call, consultation.target, leg)

    async def complete_conference(self, *, call_id: str, consultation_id: str) -> None:
        call = self._call(call_id)
        consultation = self._consultation(call, consultation_id)
        if consultation.state is ConsultationState.CONFERENCED:
            return
        consultation.apply(call_id, ConsultationAction.CONFERENCE)
        self._announce_consultation(call, consultation)
        leg = call.consulted_leg(consultation)
        if leg is not None:
            leg.role = LegRole.TARGET
        self._join(call, Party(consultation.target, PartyRole.TARGET))
        call.apply(CallAction.RETRIEVE)
        self._hold_customer(call, held=False)
        self._announce_state(call)

    async def cancel_consultation(self, *, call_id: str, consultation_id: str) -> None:
        call = self._call(call_id)
        consultation = self._consultation(call, consultation_id)
        if consultation.state is ConsultationState.CANCELLED:
            return
        if consultation.live:
            consultation.apply(call_id, ConsultationAction.CANCEL)
            leg = call.consulted_leg(consultation)
            if leg is not None:
                self._hang_up(call, leg)
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
            self._hold_customer(call, held=False)
            self._announce_state(call)
        self._remix(call)

    async def _pass_to(self, call_id: str, destination: str, *, conference: bool) -> None:
        call = self._call(call_id)
        check_target(destination)
        uri = target_uri(self._settings, destination)
        call.require("conference" if conference else "transfer", CallState.CONNECTED)
        if call.has_party(destination, PartyRole.TARGET):
            raise SwitchError("invalid-address", f"{destination} is already in call {call_id}")
        self._require_room(call)
        call.ringing_target = destination
        leg = self._dial(call, LegRole.PASSING, destination, uri)
        leg.conference = conference

    # -- what the legs report --------------------------------------------------------------

    def _on_worker_event(self, worker: MediaWorker, message: Message) -> None:
        call = self._by_worker.get(worker)
        leg = call.legs.get(getattr(message, "leg", -1)) if call is not None else None
        if call is None or leg is None:
            log.debug("event of no call", worker=worker.slot, event=message.kind)
            return
        match message:
            case Reached():
                leg.reached = True
            case Ringing():
                self._count_response(leg, message.status_code)
                leg.reached = True
                leg.rang = True
                self._leg_rings(call, leg)
                self._remix(call)
            case Answered():
                self._count_response(leg, 200)
                leg.cancel_timers()
                leg.answered = True
                self._leg_answered(call, leg)
            case Ended():
                if not leg.answered and message.status_code:
                    self._count_response(leg, message.status_code)
                leg.cancel_timers()
                leg.ended = True
                if not leg.hanging_up:
                    log.info(
                        "leg ended",
                        call_id=call.call_id,
                        role=str(leg.role),
                        status=message.status_code,
                        reason=message.reason,
                    )
                    self._leg_lost(call, leg, message.status_code)
                self._done_with(call)
            case DigitReceived():
                self._digit(call, leg, message.digit)
            case Synced():
                self._time_was_up(call, leg)
            case DigitsSent():
                if leg is call.customer:
                    self._emit(
                        DtmfSent(call_id=call.call_id, at=self._clock.now(), digits=message.digits)
                    )

    def _count_response(self, leg: SipLeg, status_code: int) -> None:
        self._responses.labels(leg=str(leg.role), code=str(status_code)).inc()

    def _on_worker_exit(self, worker: MediaWorker) -> None:
        call = self._by_worker.pop(worker, None)
        if call is None or not self._running:
            return  # an idle worker, or the switch is closing
        log.error("media worker of a call exited", call_id=call.call_id, worker=worker.slot)
        for leg in call.legs.values():
            leg.cancel_timers()
            leg.ended = True
        call.worker = None
        if call.state is not CallState.RELEASED:
            self._report_result(call, DialResult.NETWORK_ERROR)
            self._release(call, cause="network_error")

    def _leg_rings(self, call: SipCall, leg: SipLeg) -> None:
        if leg is call.customer and call.state is CallState.DIALING:
            call.apply(CallAction.RING)
            self._announce_state(call)

    def _leg_answered(self, call: SipCall, leg: SipLeg) -> None:
        if not leg.live:
            return  # given up on just before it answered: PJSIP sends it a BYE
        if leg.role is LegRole.AGENT and not call.agent_joined:
            self._agent_answered(call, leg)
        elif leg.role is LegRole.CUSTOMER:
            self._customer_answered(call, leg)
        elif leg.role is LegRole.PASSING:
            call.ringing_target = None
            self._join(call, Party(leg.address, PartyRole.TARGET))
            leg.role = LegRole.TARGET
            if not leg.conference:
                self._transferred(call, leg.address, leg)
        elif (
            leg.role is LegRole.CONSULTED
            and leg.consultation is not None
            and leg.consultation.state is ConsultationState.RINGING
        ):
            leg.consultation.apply(call.call_id, ConsultationAction.ACCEPT)
            self._announce_consultation(call, leg.consultation)
        self._remix(call)

    def _agent_answered(self, call: SipCall, leg: SipLeg) -> None:
        call.agent_joined = True
        self._join(call, Party(call.place, PartyRole.AGENT))
        self._announce_state(call)  # DIALING
        uri = number_uri(self._settings, call.destination)
        log.info("dialling the customer", call_id=call.call_id, uri=uri)
        call.customer = self._dial(call, LegRole.CUSTOMER, call.destination, uri)

    def _customer_answered(self, call: SipCall, leg: SipLeg) -> None:
        if call.state is CallState.DIALING:
            # Answered without ringing first (no 180): it rang all the same, if briefly.
            call.apply(CallAction.RING)
            self._announce_state(call)
        call.apply(CallAction.ANSWER)
        self._announce_state(call)
        self._report_result(call, DialResult.ANSWERED)
        self._join(call, Party(call.destination, PartyRole.CUSTOMER))

    def _leg_lost(self, call: SipCall, leg: SipLeg, status_code: int) -> None:
        """A leg ended without the switch asking: its far end refused, gave up or hung up."""
        if call.detached:
            self._release(call, cause="transfer")  # the other side of a call passed on
            return
        if call.state is CallState.RELEASED:
            return
        match leg.role:
            case LegRole.AGENT if not call.agent_joined:
                log.warning(
                    "the agent's phone did not answer: the customer is not called",
                    call_id=call.call_id,
                    place=call.place,
                    status=status_code,
                )
                self._fail(call, DialResult.NETWORK_ERROR)
            case LegRole.AGENT:
                self._leave(call, Party(call.place, PartyRole.AGENT), cause="hangup")
                self._report_result(call, DialResult.NO_ANSWER)
                self._release(call, cause="agent")
            case LegRole.CUSTOMER if not leg.answered:
                self._fail(call, dial_result(status_code))
            case LegRole.CUSTOMER:
                self._leave(call, Party(call.destination, PartyRole.CUSTOMER), cause="hangup")
                self._release(call, cause="customer")
            case LegRole.PASSING:
                call.ringing_target = None
                self._leave(call, Party(leg.address, PartyRole.TARGET), cause="declined")
            case LegRole.TARGET:
                self._leave(call, Party(leg.address, PartyRole.TARGET), cause="hangup")
            case LegRole.CONSULTED if leg.consultation is not None:
                action = (
                    ConsultationAction.DECLINE
                    if leg.consultation.state is ConsultationState.RINGING
                    else ConsultationAction.END
                )
                if leg.consultation.live:
                    leg.consultation.apply(call.call_id, action)
                    self._announce_consultation(call, leg.consultation)
        self._remix(call)

    def _digit(self, call: SipCall, leg: SipLeg, digit: str) -> None:
        if call.state is CallState.RELEASED:
            return
        if leg is call.customer:
            self._emit(DtmfSent(call_id=call.call_id, at=self._clock.now(), digits=digit))
        elif (
            leg is call.agent
            and call.state is CallState.CONNECTED
            and call.customer is not None
            and call.customer.talking
            and call.worker is not None
        ):
            # The agent keys in a menu of the customer's side: RFC 4733 events are not mixed
            # in the bridge, so they are sent on.
            call.worker.send(SendDtmf(leg=call.customer.number, digits=digit))

    def _give_up(self, call: SipCall, leg: SipLeg, status_code: int) -> None:
        """A leg that rang too long, or that the network never took: hang it up, as refused."""
        if leg.answered or not leg.live:
            return
        log.info("giving up on a leg", call_id=call.call_id, role=str(leg.role), status=status_code)
        self._hang_up(call, leg)
        self._leg_lost(call, leg, status_code)

    # -- what requests and legs make happen ------------------------------------------------

    def _dial(self, call: SipCall, role: LegRole, address: str, uri: str) -> SipLeg:
        assert call.worker is not None
        leg = SipLeg(number=next(self._leg_numbers), role=role, address=address)
        call.legs[leg.number] = leg
        customer = role is LegRole.CUSTOMER
        ring = call.ring_seconds if customer else self._settings.agent_ring_timeout_seconds
        loop = asyncio.get_running_loop()
        leg.timers.append(loop.call_later(ring, self._time_up, call, leg, RING_TIMEOUT))
        leg.timers.append(
            loop.call_later(
                self._settings.setup_timeout_seconds, self._time_up, call, leg, SETUP_TIMEOUT
            )
        )
        # Customers and outside numbers see the call's caller id; places the switch's address.
        caller_id = call.caller_id if is_e164(address) else None
        call.worker.send(Dial(leg=leg.number, uri=uri, caller_id=caller_id))
        return leg

    def _time_up(self, call: SipCall, leg: SipLeg, status_code: int) -> None:
        """A leg's ring or setup time is up: decided once its worker's events until now are read.

        A switch held up past the deadline (a busy process) finds the timer due and the leg's
        answer waiting in the worker's pipe at once, and the timer runs first; so the worker is
        asked to confirm it reported all it saw, and what came before its word counts.
        """
        if not leg.live or leg.answered or (status_code == SETUP_TIMEOUT and leg.reached):
            return
        leg.time_up.add(status_code)
        if call.worker is None:
            self._time_was_up(call, leg)
            return
        call.worker.send(Sync(leg=leg.number))
        # A worker that does not answer (stuck) must not keep the leg ringing for ever.
        leg.timers.append(
            asyncio.get_running_loop().call_later(SYNC_SECONDS, self._time_was_up, call, leg)
        )

    def _time_was_up(self, call: SipCall, leg: SipLeg) -> None:
        due, leg.time_up = leg.time_up, set()
        if SETUP_TIMEOUT in due and not leg.reached:
            self._give_up(call, leg, SETUP_TIMEOUT)
        elif RING_TIMEOUT in due:
            self._give_up(call, leg, RING_TIMEOUT)

    def _hang_up(self, call: SipCall, leg: SipLeg) -> None:
        leg.cancel_timers()
        if not leg.live:
            return
        leg.hanging_up = True
        if call.worker is not None:
            call.worker.send(HangUp(leg=leg.number))

    def _hold_customer(self, call: SipCall, *, held: bool) -> None:
        call.customer_held = held
        customer = call.customer
        if customer is not None and customer.live and call.worker is not None:
            call.worker.send(Hold(leg=customer.number, held=held))
        self._remix(call)

    def _remix(self, call: SipCall) -> None:
        if call.worker is not None:
            call.worker.send(mix(call))

    def _require_room(self, call: SipCall) -> None:
        if len(call.unfinished_legs()) >= LEGS_PER_CALL:
            raise SwitchError(
                "invalid-call-state",
                f"call {call.call_id} has {LEGS_PER_CALL} parties, the most a call may have",
            )

    def _transferred(self, call: SipCall, target: str, leg: SipLeg | None) -> None:
        """The agent hands the call to ``target`` and leaves: the call is over for them."""
        self._leave(call, Party(call.place, PartyRole.AGENT), cause="transfer")
        if call.agent is not None:
            self._hang_up(call, call.agent)
        if leg is None:  # the target hung up at that very moment
            self._release(call, cause="transfer")
            return
        if call.customer_held:
            self._hold_customer(call, held=False)
        if not is_place(target):
            # A queue, a routing point or a number: out of Ringback's hands, though its audio
            # still runs through the switch until one side hangs up.
            call.detached = True
            call.apply(CallAction.RELEASE)
            call.released_by = "transfer"
            call.parties.clear()
            self._announce_state(call, cause="transfer")
            self._remix(call)
            return
        # Another agent took it: the call carries on under the same id with that agent's place.
        self._announce(call, CallState.RELEASED, cause="transfer")
        customer = Party(call.destination, PartyRole.CUSTOMER)
        call.parties = [party for party in (customer,) if party in call.parties]
        call.parties.append(Party(target, PartyRole.AGENT))
        if call.state is CallState.HELD:
            call.apply(CallAction.RETRIEVE)
        leg.role = LegRole.AGENT
        call.agent = leg
        call.place = target
        log.info("call transferred to another agent", call_id=call.call_id, place=target)
        self._remix(call)

    def _fail(self, call: SipCall, result: DialResult) -> None:
        """The call ends before the customer talked: its result, then RELEASED(result)."""
        self._report_result(call, result)
        self._release(call, cause=result.value)

    def _report_result(self, call: SipCall, result: DialResult) -> None:
        if call.result is None:
            call.result = result
            self._emit(DialCompleted(call_id=call.call_id, at=self._clock.now(), result=result))

    def _release(self, call: SipCall, *, cause: str) -> None:
        if call.detached:
            call.detached = False
            for leg in call.live_legs():
                self._hang_up(call, leg)
            self._done_with(call)
            return
        for consultation in call.consultations.values():
            if consultation.live:
                consultation.apply(call.call_id, ConsultationAction.END)
                self._announce_consultation(call, consultation)
        call.apply(CallAction.RELEASE)
        call.ringing_target = None
        call.released_by = cause
        call.parties.clear()
        for leg in call.live_legs():
            self._hang_up(call, leg)
        self._announce_state(call, cause=cause)
        log.info("call released", call_id=call.call_id, cause=cause)
        self._done_with(call)

    def _done_with(self, call: SipCall) -> None:
        """Give the call's worker back once the call is over and its last leg ended."""
        worker = call.worker
        if worker is None or not call.finished or call.detached:
            return
        call.worker = None
        self._by_worker.pop(worker, None)
        self._pool.give_back(worker)

    # -- plumbing --------------------------------------------------------------------------

    def _remember(self, call: SipCall) -> None:
        self._calls[call.call_id] = call
        while len(self._calls) > FINISHED_CALLS_KEPT:
            oldest = next(iter(self._calls.values()))
            if oldest.state is not CallState.RELEASED or oldest.worker is not None:
                break
            self._calls.popitem(last=False)

    def _require_running(self) -> None:
        if not self._running:
            raise SwitchError("switch-not-running", "the SIP switch is not started")

    def _call(self, call_id: str) -> SipCall:
        self._require_running()
        call = self._calls.get(call_id)
        if call is None:
            raise SwitchError("unknown-call", f"no call {call_id!r} on this switch")
        return call


def _is_a_switch(switch: SipSwitch) -> Switch:
    # Lets mypy prove that the SIP switch implements the whole interface.
    return switch
