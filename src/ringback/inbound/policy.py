"""What an inbound call does to one active callback of the number (pure)."""

from __future__ import annotations

from enum import StrEnum

from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.config.schema import InboundFirstPolicy


class InboundStage(StrEnum):
    QUEUED = "queued"  # the customer waits in an inbound queue: they may still hang up
    ANSWERED = "answered"  # an agent has the customer on the line


class Outcome(StrEnum):
    COMPLETED = "completed"  # ended: answered by the inbound call
    MERGED = "merged"  # kept, with the call's data copied into the callback's
    KEPT = "kept"  # kept; its history records the call


# Not with an agent yet: nobody would be cut off or left holding an interaction.
COMPLETABLE = frozenset({CallbackState.SCHEDULED, CallbackState.QUEUED, CallbackState.OFFERED})


def outcome(
    policy: InboundFirstPolicy, stage: InboundStage, state: CallbackState, *, has_data: bool
) -> Outcome:
    """The outcome for a callback in ``state`` of a service with ``policy``.

    ``complete`` ends a callback only once an agent has answered the customer, and only while no
    agent holds it: one accepted, being dialled or connected stays with its agent.
    """
    if policy is InboundFirstPolicy.MERGE and has_data:
        return Outcome.MERGED
    if (
        policy is InboundFirstPolicy.COMPLETE
        and stage is InboundStage.ANSWERED
        and state in COMPLETABLE
    ):
        return Outcome.COMPLETED
    return Outcome.KEPT


def event_for(result: Outcome) -> CallbackEvent:
    """The event of the callback machine that records ``result``."""
    if result is Outcome.COMPLETED:
        return CallbackEvent.ANSWERED_ELSEWHERE
    return CallbackEvent.CALLED_IN


def reason(
    result: Outcome,
    *,
    policy: InboundFirstPolicy,
    stage: InboundStage,
    agent: str | None,
    reference: str | None,
    merged_keys: list[str],
) -> str:
    """The history's reason: what the customer did, and what became of the callback."""
    if stage is InboundStage.ANSWERED:
        said = "the customer called in and reached an agent"
        if agent:
            said += f" ({agent})"
    else:
        said = "the customer called in and is queued for an agent"
    if reference:
        said += f"; call {reference}"
    if result is Outcome.COMPLETED:
        return said
    if result is Outcome.MERGED:
        return f"{said}; the call's data merged: {', '.join(merged_keys)}"
    if policy is not InboundFirstPolicy.COMPLETE:
        return f"{said}; kept (inbound_first = {policy})"
    if stage is InboundStage.QUEUED:
        return f"{said}; kept until an agent answers"
    return f"{said}; kept: an agent has this callback"
