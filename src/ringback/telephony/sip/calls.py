"""The SIP switch's calls: each a state machine (the simulated switch's tables) over SIP legs.

A call is the agent's leg, the customer's leg, and the legs of transfer, conference and
consultation targets, all in one media worker. Who hears whom follows from the call's state
alone (:func:`mix`), so the worker is told the whole picture after every change.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import combinations

import structlog

from ringback.telephony.sim.calls import (
    CALL_TRANSITIONS,
    CallAction,
    Consultation,
    Party,
)
from ringback.telephony.sip.pool import MediaWorker
from ringback.telephony.sip.protocol import Mix
from ringback.telephony.switch import CallState, DialResult, PartyRole, SwitchError

log = structlog.get_logger(__name__)


class LegRole(StrEnum):
    AGENT = "agent"  # the agent's place (after a transfer to a place, the receiving agent's)
    CUSTOMER = "customer"
    PASSING = "passing"  # a single-step transfer or conference target, still ringing
    CONSULTED = "consulted"  # a consultation's target
    TARGET = "target"  # a target in the call: conferenced, or the customer's new party


@dataclass(eq=False)
class SipLeg:
    number: int
    role: LegRole
    address: str  # the place, number, queue or routing point it calls
    answered: bool = False
    ended: bool = False  # the worker reported its end
    hanging_up: bool = False  # the switch ended it: its end is no news
    reached: bool = False  # the network answered its INVITE
    rang: bool = False  # its phone rings (180 or 183)
    conference: bool = False  # for PASSING: a conference (else a transfer)
    consultation: Consultation | None = None  # for CONSULTED
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    # The timeouts (RING_TIMEOUT, SETUP_TIMEOUT) past, waiting for the worker's word.
    time_up: set[int] = field(default_factory=set)

    @property
    def live(self) -> bool:
        """Still in the call, as far as the switch is concerned."""
        return not (self.ended or self.hanging_up)

    @property
    def talking(self) -> bool:
        return self.answered and self.live

    def cancel_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


@dataclass(eq=False)
class SipCall:
    """One call's state; only the switch changes it, on the event loop's thread."""

    call_id: str
    place: str
    destination: str
    caller_id: str | None  # what customers and outside numbers are shown
    ring_seconds: float  # how long the customer's phone may ring
    state: CallState = CallState.DIALING
    parties: list[Party] = field(default_factory=list)
    result: DialResult | None = None
    released_by: str | None = None
    consultations: dict[str, Consultation] = field(default_factory=dict)
    ringing_target: str | None = None  # a single-step transfer or conference still ringing
    worker: MediaWorker | None = None
    legs: dict[int, SipLeg] = field(default_factory=dict)
    agent: SipLeg | None = None
    customer: SipLeg | None = None
    agent_joined: bool = False  # the agent answered, the customer is being called
    customer_held: bool = False
    # Transferred to a queue, a routing point or a number: no longer Ringback's call, but its
    # audio still runs through the switch until one side hangs up.
    detached: bool = False

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
        """Refuse ``request`` unless the call is in one of ``states`` (and, unless
        ``while_passing``, no single-step transfer or conference rings)."""
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

    def live_legs(self) -> list[SipLeg]:
        return [leg for leg in self.legs.values() if leg.live]

    def unfinished_legs(self) -> list[SipLeg]:
        """Legs the worker still holds (hung up but not yet reported over included)."""
        return [leg for leg in self.legs.values() if not leg.ended]

    def consulted_leg(self, consultation: Consultation) -> SipLeg | None:
        return next(
            (leg for leg in self.legs.values() if leg.consultation is consultation and leg.live),
            None,
        )

    @property
    def finished(self) -> bool:
        """Over for good: released (not carried on elsewhere) and every leg gone."""
        return self.state is CallState.RELEASED and not self.unfinished_legs()


def mix(call: SipCall) -> Mix:
    """Who hears whom in ``call`` now: everyone talking hears everyone else; a held customer
    hears hold music; a target being consulted talks with the agent alone; an agent whose
    customer or consulted target rings hears it ring."""
    talking = [
        leg
        for leg in call.legs.values()
        if leg.talking
        and (
            leg.role in (LegRole.AGENT, LegRole.TARGET)
            or (leg.role is LegRole.CUSTOMER and not call.customer_held)
            or (
                leg.role is LegRole.CONSULTED
                and leg.consultation is not None
                and leg.consultation.live
            )
        )
    ]
    customer = call.customer
    held = customer is not None and customer.talking and call.customer_held
    agent = call.agent
    ringing = [
        leg
        for leg in call.legs.values()
        if leg.role in (LegRole.CUSTOMER, LegRole.CONSULTED)
        and leg.rang
        and not leg.answered
        and leg.live
    ]
    return Mix(
        links=[(a.number, b.number) for a, b in combinations(talking, 2)],
        music=[customer.number] if held and customer is not None else [],
        ringing=[(agent.number, leg.number) for leg in ringing]
        if agent is not None and agent.talking
        else [],
    )
