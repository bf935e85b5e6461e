"""What integrators subscribe to: one event type per kind of change of a callback (pure)."""

from __future__ import annotations

from enum import StrEnum

from ringback.callbacks.states import CallbackEvent, CallbackState


class EventType(StrEnum):
    CREATED = "callback.created"
    SCHEDULED = "callback.scheduled"  # due again later: the retry after a call that did not reach
    QUEUED = "callback.queued"  # due, or back in the queue after an offer was refused
    OFFERED = "callback.offered"
    ACCEPTED = (
        "callback.accepted"  # also when a call did not reach the customer: back with the agent
    )
    DIALLED = "callback.dialled"
    CONNECTED = "callback.connected"
    COMPLETED = "callback.completed"
    FAILED = "callback.failed"
    CANCELLED = "callback.cancelled"
    RESCHEDULED = "callback.rescheduled"
    EXPIRED = "callback.expired"
    # The customer called in while it was active; it stays (its data may have been merged).
    CALLED_IN = "callback.called_in"


_BY_STATE = {
    CallbackState.SCHEDULED: EventType.SCHEDULED,
    CallbackState.QUEUED: EventType.QUEUED,
    CallbackState.OFFERED: EventType.OFFERED,
    CallbackState.ACCEPTED: EventType.ACCEPTED,
    CallbackState.DIALING: EventType.DIALLED,
    CallbackState.CONNECTED: EventType.CONNECTED,
    CallbackState.COMPLETED: EventType.COMPLETED,
    CallbackState.FAILED: EventType.FAILED,
    CallbackState.CANCELLED: EventType.CANCELLED,
    CallbackState.EXPIRED: EventType.EXPIRED,
}


def event_type(event: str, source: str | None, target: str) -> EventType | None:
    """The webhook event for one change of the callback machine; None for a change that keeps
    the state without moving the callback (a new priority, a transfer between agents). A call
    in from the customer that completes the callback is ``callback.completed``."""
    if event == CallbackEvent.CREATE:
        return EventType.CREATED
    if event == CallbackEvent.RESCHEDULE:
        return EventType.RESCHEDULED
    if event == CallbackEvent.CALLED_IN:
        return EventType.CALLED_IN
    if source == target:
        return None
    return _BY_STATE[CallbackState(target)]
