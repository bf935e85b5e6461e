"""The outgoing e-mail state machine, as data: ``(state, event) -> state``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import structlog

from ringback.errors import RingbackError

log = structlog.get_logger(__name__)


class EmailState(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENT = "sent"  # the relay accepted it
    FAILED = "failed"  # refused for good, or attempts exhausted
    WITHDRAWN = "withdrawn"  # not sent: no longer true (a reminder of a moved callback)


class EmailEvent(StrEnum):
    ACCEPTED = "accepted"  # the relay took the message
    DEFERRED = "deferred"  # a transient failure with attempts left
    GIVE_UP = "give-up"  # a permanent refusal, or the last attempt failed
    WITHDRAW = "withdraw"  # what it says changed before it was sent


S, E = EmailState, EmailEvent

TRANSITIONS: dict[tuple[EmailState, EmailEvent], EmailState] = {
    (S.QUEUED, E.ACCEPTED): S.SENT,
    (S.QUEUED, E.DEFERRED): S.QUEUED,
    (S.QUEUED, E.GIVE_UP): S.FAILED,
    (S.QUEUED, E.WITHDRAW): S.WITHDRAWN,
}


@dataclass(frozen=True)
class Transition:
    source: EmailState
    event: EmailEvent
    target: EmailState


class IllegalEmailTransition(RingbackError):
    def __init__(self, email_id: object, state: EmailState, event: EmailEvent) -> None:
        super().__init__(
            "illegal-transition",
            f"an e-mail that is {state} cannot be {event}",
            status=409,
            state=str(state),
            event=str(event),
        )
        self.email_id = email_id


def transition(email_id: object, state: EmailState, event: EmailEvent) -> Transition:
    """Apply ``event`` to ``state``; an event the table does not allow raises."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise IllegalEmailTransition(email_id, state, event)
    log.debug(f"email {email_id}: {state} -[{event}]-> {target}")
    return Transition(state, event, target)
