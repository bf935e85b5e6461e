"""The callback state machine, as data: ``(state, event) -> state``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import structlog

from ringback.errors import RingbackError

log = structlog.get_logger(__name__)


class CallbackType(StrEnum):
    IMMEDIATE = "immediate"  # queued as soon as it is accepted (or when the service opens)
    DELAYED = "delayed"  # queued after a delay, or at the time asked for
    SCHEDULED = "scheduled"  # queued at a booked slot


class Channel(StrEnum):
    WEB = "web"
    MOBILE = "mobile"
    IVR = "ivr"
    AGENT = "agent"


class CallbackState(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its due time
    QUEUED = "queued"  # due; waiting in its queue for an agent
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DIALING = "dialing"
    CONNECTED = "connected"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"  # attempts exhausted or the number cannot be reached
    EXPIRED = "expired"  # never handled in the time the service allows


class CallbackEvent(StrEnum):
    CREATE = "create"  # history only: the request was accepted
    DUE = "due"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    OFFER = "offer"
    REJECT = "reject"
    ACCEPT = "accept"
    DIAL = "dial"
    CONNECT = "connect"
    TRANSFER = "transfer"  # the customer went to another agent, who now holds the callback
    NO_CONTACT = "no_contact"  # a dial that did not reach the customer; the agent still holds it
    RETRY = "retry"
    COMPLETE = "complete"
    FAIL = "fail"
    EXPIRE = "expire"
    REPRIORITISE = "reprioritise"  # a supervisor changed the base priority; the state stays
    CALLED_IN = "called_in"  # the customer called in meanwhile (kept, or its data merged)
    ANSWERED_ELSEWHERE = "answered_elsewhere"  # the customer called in and reached an agent
    NOTE = "note"  # the customer left a note for the agent (their page); the state stays


S, E = CallbackState, CallbackEvent

TRANSITIONS: dict[tuple[CallbackState, CallbackEvent], CallbackState] = {
    (S.SCHEDULED, E.DUE): S.QUEUED,
    (S.SCHEDULED, E.RESCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, E.CANCEL): S.CANCELLED,
    (S.SCHEDULED, E.EXPIRE): S.EXPIRED,
    (S.SCHEDULED, E.REPRIORITISE): S.SCHEDULED,
    (S.QUEUED, E.RESCHEDULE): S.SCHEDULED,
    (S.QUEUED, E.CANCEL): S.CANCELLED,
    (S.QUEUED, E.OFFER): S.OFFERED,
    (S.QUEUED, E.EXPIRE): S.EXPIRED,
    (S.QUEUED, E.REPRIORITISE): S.QUEUED,
    (S.OFFERED, E.REJECT): S.QUEUED,
    (S.OFFERED, E.ACCEPT): S.ACCEPTED,
    (S.OFFERED, E.CANCEL): S.CANCELLED,
    (S.OFFERED, E.REPRIORITISE): S.OFFERED,
    (S.ACCEPTED, E.DIAL): S.DIALING,
    (S.ACCEPTED, E.RESCHEDULE): S.SCHEDULED,
    (S.ACCEPTED, E.COMPLETE): S.COMPLETED,
    (S.ACCEPTED, E.RETRY): S.SCHEDULED,
    (S.ACCEPTED, E.FAIL): S.FAILED,
    (S.DIALING, E.CONNECT): S.CONNECTED,
    (S.DIALING, E.NO_CONTACT): S.ACCEPTED,
    (S.DIALING, E.FAIL): S.FAILED,
    (S.CONNECTED, E.DIAL): S.DIALING,
    (S.CONNECTED, E.TRANSFER): S.CONNECTED,
    (S.CONNECTED, E.COMPLETE): S.COMPLETED,
    (S.CONNECTED, E.RESCHEDULE): S.SCHEDULED,
    # The customer called in first (ringback.inbound): not yet with an agent, the callback is
    # done; with one, it stays and only its history says so (a live call is never cut).
    (S.SCHEDULED, E.ANSWERED_ELSEWHERE): S.COMPLETED,
    (S.QUEUED, E.ANSWERED_ELSEWHERE): S.COMPLETED,
    (S.OFFERED, E.ANSWERED_ELSEWHERE): S.COMPLETED,
    (S.SCHEDULED, E.CALLED_IN): S.SCHEDULED,
    (S.QUEUED, E.CALLED_IN): S.QUEUED,
    (S.OFFERED, E.CALLED_IN): S.OFFERED,
    (S.ACCEPTED, E.CALLED_IN): S.ACCEPTED,
    (S.DIALING, E.CALLED_IN): S.DIALING,
    (S.CONNECTED, E.CALLED_IN): S.CONNECTED,
    # A note reaches the agent with the offer, so only a callback not yet offered takes one.
    (S.SCHEDULED, E.NOTE): S.SCHEDULED,
    (S.QUEUED, E.NOTE): S.QUEUED,
}

# States in which a callback still counts against its number's and its slot's limits.
ACTIVE_STATES = frozenset({S.SCHEDULED, S.QUEUED, S.OFFERED, S.ACCEPTED, S.DIALING, S.CONNECTED})
TERMINAL_STATES = frozenset(set(CallbackState) - ACTIVE_STATES)
# Active but not yet with an agent: these may still be moved or replaced by the customer.
WAITING_STATES = frozenset({S.SCHEDULED, S.QUEUED})
# Not yet with an agent, as a supervisor sees them: waiting, or on a screen but not accepted.
WAITING_LIST_STATES = frozenset({S.SCHEDULED, S.QUEUED, S.OFFERED})


@dataclass(frozen=True)
class Transition:
    source: CallbackState
    event: CallbackEvent
    target: CallbackState


class IllegalTransition(RingbackError):
    def __init__(self, callback_id: object, state: CallbackState, event: CallbackEvent) -> None:
        super().__init__(
            "illegal-transition",
            f"a callback that is {state} cannot {event}",
            status=409,
            state=str(state),
            event=str(event),
        )
        self.callback_id = callback_id


def allowed_events(state: CallbackState) -> list[CallbackEvent]:
    """The events a callback in ``state`` accepts, in table order."""
    return [event for (source, event) in TRANSITIONS if source == state]


def transition(callback_id: object, state: CallbackState, event: CallbackEvent) -> Transition:
    """Apply ``event`` to ``state``; an event the table does not allow raises IllegalTransition."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise IllegalTransition(callback_id, state, event)
    log.debug(f"callback {callback_id}: {state} -[{event}]-> {target}")
    return Transition(state, event, target)
