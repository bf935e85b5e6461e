"""The simulated switch's calls: their state machines, as data, and read-only views of them."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from enum import StrEnum

import structlog

from ringback.telephony.switch import (
    CallState,
    ConsultationState,
    DialResult,
    PartyRole,
    SwitchError,
)

log = structlog.get_logger(__name__)

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
PLACE = re.compile(r"^place:\S+$")
INTERNAL_ADDRESS = re.compile(r"^(place|queue|routing-point):\S+$")
DTMF_DIGITS = re.compile(r"^[0-9*#A-D]+$")


def is_e164(number: str) -> bool:
    return E164.fullmatch(number) is not None


def is_place(address: str) -> bool:
    return PLACE.fullmatch(address) is not None


def check_place(place: str) -> None:
    """An agent's place is ``place:<extension>``; anything else is a wiring mistake."""
    if not is_place(place):
        raise SwitchError("invalid-address", f"{place!r} is not an agent's place (place:<ext>)")


def check_target(address: str) -> None:
    """Transfer and consultation targets: a place, a queue, a routing point or an E.164 number."""
    if INTERNAL_ADDRESS.fullmatch(address) is None and not is_e164(address):
        raise SwitchError(
            "invalid-address",
            f"{address!r} is not a place:, queue: or routing-point: address nor an E.164 number",
        )


def check_dtmf(digits: str) -> None:
    if DTMF_DIGITS.fullmatch(digits) is None:
        raise SwitchError("invalid-dtmf", f"{digits!r}: DTMF digits are 0-9, *, # and A-D")


class CallAction(StrEnum):
    RING = "ring"
    ANSWER = "answer"  # the customer answered
    HOLD = "hold"
    RETRIEVE = "retrieve"
    RELEASE = "release"


class ConsultationAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    END = "end"  # the target hung up, or the call it belonged to was released
    CANCEL = "cancel"
    TRANSFER = "transfer"
    CONFERENCE = "conference"


C, A = CallState, CallAction

CALL_TRANSITIONS: dict[tuple[CallState, CallAction], CallState] = {
    (C.DIALING, A.RING): C.RINGING,
    (C.RINGING, A.ANSWER): C.CONNECTED,
    (C.CONNECTED, A.HOLD): C.HELD,
    (C.HELD, A.RETRIEVE): C.CONNECTED,
    (C.DIALING, A.RELEASE): C.RELEASED,
    (C.RINGING, A.RELEASE): C.RELEASED,
    (C.CONNECTED, A.RELEASE): C.RELEASED,
    (C.HELD, A.RELEASE): C.RELEASED,
}

Q, K = ConsultationState, ConsultationAction

CONSULTATION_TRANSITIONS: dict[tuple[ConsultationState, ConsultationAction], ConsultationState] = {
    (Q.RINGING, K.ACCEPT): Q.CONNECTED,
    (Q.RINGING, K.DECLINE): Q.DECLINED,
    (Q.RINGING, K.END): Q.ENDED,
    (Q.RINGING, K.CANCEL): Q.CANCELLED,
    (Q.CONNECTED, K.END): Q.ENDED,
    (Q.CONNECTED, K.CANCEL): Q.CANCELLED,
    (Q.CONNECTED, K.TRANSFER): Q.TRANSFERRED,
    (Q.CONNECTED, K.CONFERENCE): Q.CONFERENCED,
}

LIVE_CONSULTATION_STATES = frozenset({Q.RINGING, Q.CONNECTED})


@dataclass(frozen=True)
class Party:
    address: str
    role: PartyRole


@dataclass(frozen=True)
class ConsultationView:
    consultation_id: str
    target: str
    state: ConsultationState


@dataclass(frozen=True)
class CallView:
    """A call as the simulated switch sees it right now."""

    call_id: str
    place: str  # the agent's place; after a transfer to another agent, theirs
    destination: str
    caller_id: str | None  # the number the customer is shown (None: the switch's own)
    state: CallState
    parties: tuple[Party, ...]  # who is in the call now, in the order they joined
    dial_count: int  # how many times the destination was dialled for this call id
    result: DialResult | None  # the outbound result, once known
    released_by: str | None  # the cause of RELEASED
    consultations: tuple[ConsultationView, ...]


@dataclass(eq=False)
class Consultation:
    consultation_id: str
    target: str
    state: ConsultationState = ConsultationState.RINGING
    timers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def live(self) -> bool:
        return self.state in LIVE_CONSULTATION_STATES

    def apply(self, call_id: str, action: ConsultationAction) -> None:
        """Move to the state the table gives; an action it does not allow is refused."""
        target = CONSULTATION_TRANSITIONS.get((self.state, action))
        if target is None:
            raise SwitchError(
                "invalid-consultation-state",
                f"consultation {self.consultation_id} on call {call_id} is {self.state}: "
                f"cannot {action}",
            )
        log.debug(
            f"call {call_id} consultation {self.consultation_id}: "
            f"{self.state} -[{action}]-> {target}"
        )
        self.state = target


@dataclass(eq=False)
class SimulatedCall:
    """One call's mutable state; only the switch changes it, always between two awaits."""

    call_id: str
    place: str
    destination: str
    caller_id: str | None = None  # what the customer is shown
    state: CallState = CallState.DIALING
    parties: list[Party] = field(default_factory=list)
    dial_count: int = 0
    result: DialResult | None = None
    released_by: str | None = None
    consultations: dict[str, Consultation] = field(default_factory=dict)
    ringing_target: str | None = None  # a single-step transfer or conference still ringing
    timers: set[asyncio.Task[None]] = field(default_factory=set)

    def apply(self, action: CallAction) -> None:
        """Move to the state the table gives; an action it does not allow is refused."""
        target = CALL_TRANSITIONS.get((self.state, action))
        if target is None:
            raise SwitchError(
                "invalid-call-state", f"call {self.call_id} is {self.state}: cannot {action}"
            )
        log.debug(f"call {self.call_id}: {self.state} -[{action}]-> {target}")
        self.state = target

    def require(self, request: str, *states: CallState, while_passing: bool = False) -> None:
        """Refuse ``request`` unless the call is in one of ``states``.

        Unless ``while_passing``, also refuse it while a single-step transfer or conference
        rings: the call may leave the agent at any moment.
        """
        if self.state not in states:
            raise SwitchError(
                "invalid-call-state", f"call {self.call_id} is {self.state}: cannot {request}"
            )
        if not while_passing and self.ringing_target is not None:
            raise SwitchError(
                "invalid-call-state",
                f"call {self.call_id} is being passed to {self.ringing_target}: cannot {request}",
            )

    def live_consultation(self) -> Consultation | None:
        return next((c for c in self.consultations.values() if c.live), None)

    def has_party(self, address: str, role: PartyRole) -> bool:
        return Party(address, role) in self.parties

    def view(self) -> CallView:
        return CallView(
            call_id=self.call_id,
            place=self.place,
            destination=self.destination,
            caller_id=self.caller_id,
            state=self.state,
            parties=tuple(self.parties),
            dial_count=self.dial_count,
            result=self.result,
            released_by=self.released_by,
            consultations=tuple(
                ConsultationView(c.consultation_id, c.target, c.state)
                for c in self.consultations.values()
            ),
        )
