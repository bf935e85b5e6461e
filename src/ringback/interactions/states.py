"""The interaction state machine and which agent actions each state allows, as data."""

from __future__ import annotations

from enum import StrEnum

import structlog

from ringback.callbacks.states import CallbackState
from ringback.errors import RingbackError

log = structlog.get_logger(__name__)


class InteractionState(StrEnum):
    OFFERED = "offered"  # the notification is on the agent's screen
    PREVIEW = "preview"  # accepted; the agent reads the callback before calling
    DIALING = "dialing"
    RINGING = "ringing"
    CONNECTED = "connected"
    ON_HOLD = "on_hold"
    READY_TO_CALL = "ready_to_call"  # the call ended (either side); the agent may call again
    TRANSFERRED = "transferred"  # the customer went to someone else; only wrap-up is left
    # Brought into a colleague's call (a conference): the call and the callback stay theirs.
    JOINED = "joined"
    DONE = "done"
    REJECTED = "rejected"
    TIMED_OUT = "timed_out"
    WITHDRAWN = "withdrawn"  # the callback was cancelled while it was offered


class InteractionEvent(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    TIME_OUT = "time_out"
    WITHDRAW = "withdraw"
    DIAL = "dial"
    RING = "ring"
    CONNECT = "connect"
    HOLD = "hold"
    RETRIEVE = "retrieve"
    CALL_ENDED = "call_ended"
    TRANSFER_AWAY = "transfer_away"
    MARK_DONE = "mark_done"


S, E = InteractionState, InteractionEvent

TRANSITIONS: dict[tuple[InteractionState, InteractionEvent], InteractionState] = {
    (S.OFFERED, E.ACCEPT): S.PREVIEW,
    (S.OFFERED, E.REJECT): S.REJECTED,
    (S.OFFERED, E.TIME_OUT): S.TIMED_OUT,
    (S.OFFERED, E.WITHDRAW): S.WITHDRAWN,
    (S.PREVIEW, E.DIAL): S.DIALING,
    (S.PREVIEW, E.MARK_DONE): S.DONE,
    (S.DIALING, E.RING): S.RINGING,
    (S.DIALING, E.CONNECT): S.CONNECTED,
    (S.DIALING, E.CALL_ENDED): S.READY_TO_CALL,
    (S.RINGING, E.CONNECT): S.CONNECTED,
    (S.RINGING, E.CALL_ENDED): S.READY_TO_CALL,
    (S.CONNECTED, E.HOLD): S.ON_HOLD,
    (S.CONNECTED, E.CALL_ENDED): S.READY_TO_CALL,
    (S.CONNECTED, E.TRANSFER_AWAY): S.TRANSFERRED,
    (S.ON_HOLD, E.RETRIEVE): S.CONNECTED,
    (S.ON_HOLD, E.CALL_ENDED): S.READY_TO_CALL,
    (S.ON_HOLD, E.TRANSFER_AWAY): S.TRANSFERRED,
    (S.READY_TO_CALL, E.DIAL): S.DIALING,
    (S.READY_TO_CALL, E.MARK_DONE): S.DONE,
    (S.TRANSFERRED, E.MARK_DONE): S.DONE,
    (S.JOINED, E.MARK_DONE): S.DONE,
}

# Where an interaction that was not offered starts: a colleague handed the call over.
HANDED_OVER_STATES = frozenset({S.CONNECTED, S.JOINED})

# The agent holds the interaction in these states (its channel shows Busy).
HANDLING_STATES = frozenset(
    {
        S.PREVIEW,
        S.DIALING,
        S.RINGING,
        S.CONNECTED,
        S.ON_HOLD,
        S.READY_TO_CALL,
        S.TRANSFERRED,
        S.JOINED,
    }
)
ON_CALL_STATES = frozenset({S.DIALING, S.RINGING, S.CONNECTED, S.ON_HOLD})
FINAL_STATES = frozenset({S.DONE, S.REJECTED, S.TIMED_OUT, S.WITHDRAWN})


class Action(StrEnum):
    """What an agent can ask for; the desktop shows exactly the ones allowed now."""

    ACCEPT = "accept"
    REJECT = "reject"
    CALL = "call"
    END_CALL = "end_call"
    HOLD = "hold"
    RESUME = "resume"
    TRANSFER = "transfer"
    CONFERENCE = "conference"
    SEND_DTMF = "send_dtmf"
    START_CONSULTATION = "start_consultation"
    RESCHEDULE = "reschedule"
    EMAIL = "email"
    NOTE = "note"
    DISPOSITION = "disposition"
    MARK_DONE = "mark_done"


ACTIONS: dict[Action, frozenset[InteractionState]] = {
    Action.ACCEPT: frozenset({S.OFFERED}),
    Action.REJECT: frozenset({S.OFFERED}),
    Action.CALL: frozenset({S.PREVIEW, S.READY_TO_CALL}),
    Action.END_CALL: ON_CALL_STATES,
    Action.HOLD: frozenset({S.CONNECTED}),
    Action.RESUME: frozenset({S.ON_HOLD}),
    Action.TRANSFER: frozenset({S.CONNECTED, S.ON_HOLD}),
    Action.CONFERENCE: frozenset({S.CONNECTED}),
    Action.SEND_DTMF: frozenset({S.CONNECTED}),
    Action.START_CONSULTATION: frozenset({S.CONNECTED}),
    Action.RESCHEDULE: frozenset({S.PREVIEW, S.CONNECTED, S.ON_HOLD, S.READY_TO_CALL}),
    Action.EMAIL: HANDLING_STATES | {S.DONE},
    Action.NOTE: HANDLING_STATES | {S.DONE},
    Action.DISPOSITION: HANDLING_STATES | {S.DONE},
    Action.MARK_DONE: frozenset({S.PREVIEW, S.READY_TO_CALL, S.TRANSFERRED, S.JOINED}),
}


class ConsultationAction(StrEnum):
    END = "end_consultation"
    COMPLETE_TRANSFER = "complete_transfer"
    COMPLETE_CONFERENCE = "complete_conference"


class ActionNotAllowed(RingbackError):
    def __init__(self, action: str, state: InteractionState, hint: str = "") -> None:
        super().__init__(
            "action-not-allowed",
            f"{action.replace('_', ' ')} is not possible while the interaction is {state}"
            + (f": {hint}" if hint else ""),
            status=409,
            action=action,
            state=str(state),
        )


def allowed_actions(state: InteractionState) -> list[Action]:
    return [action for action, states in ACTIONS.items() if state in states]


def require(action: Action, state: InteractionState) -> None:
    if state not in ACTIONS[action]:
        hint = (
            "end the call first" if action is Action.MARK_DONE and state in ON_CALL_STATES else ""
        )
        raise ActionNotAllowed(action, state, hint)


# Calling and rescheduling act on the callback, so it must still be in this agent's hands.
NEEDS_CALLBACK = frozenset({Action.CALL, Action.RESCHEDULE})
HELD_CALLBACK = frozenset({CallbackState.ACCEPTED, CallbackState.CONNECTED})
# While a consultation is open the customer waits on hold until it is ended or completed.
NOT_WHILE_CONSULTING = frozenset(
    {Action.START_CONSULTATION, Action.TRANSFER, Action.CONFERENCE, Action.HOLD, Action.RESUME}
)


def actions_for(
    state: InteractionState, *, callback_state: CallbackState, consulting: bool
) -> list[Action]:
    """What the agent may do now: the desktop shows these and nothing else."""
    return [
        action
        for action in allowed_actions(state)
        if not (action in NEEDS_CALLBACK and callback_state not in HELD_CALLBACK)
        and not (consulting and action in NOT_WHILE_CONSULTING)
    ]


def check(
    action: Action, state: InteractionState, *, callback_state: CallbackState, consulting: bool
) -> None:
    """Refuse ``action`` unless ``actions_for`` offers it, saying why."""
    require(action, state)
    if action in NEEDS_CALLBACK and callback_state not in HELD_CALLBACK:
        raise ActionNotAllowed(action, state, f"the callback is already {callback_state}")
    if consulting and action in NOT_WHILE_CONSULTING:
        raise ActionNotAllowed(action, state, "end or complete the consultation first")


def next_state(
    interaction_id: object, state: InteractionState, event: InteractionEvent
) -> InteractionState:
    """The state after ``event``; an event the table does not allow is a 409."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise ActionNotAllowed(str(event), state)
    log.debug(f"interaction {interaction_id}: {state} -[{event}]-> {target}")
    return target
