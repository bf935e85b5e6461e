"""Shapes of the inbound-call endpoint."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from ringback.callbacks.schemas import DataKey, DataValue
from ringback.callbacks.states import CallbackState
from ringback.config.schema import InboundFirstPolicy
from ringback.inbound.policy import InboundStage, Outcome


class InboundCall(BaseModel):
    """The IVR or the ACD reports that a number called in."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(
        min_length=3,
        max_length=40,
        description="The caller's number: E.164, or national in each service's default_region.",
        examples=["+1 212 555 0142"],
    )
    service: str | None = Field(
        default=None,
        max_length=63,
        description="Only this service's callbacks; omitted: every service the key may use.",
        examples=["billing"],
    )
    stage: InboundStage = Field(
        description="queued: waiting in an inbound queue; answered: an agent has the customer."
    )
    data: dict[DataKey, DataValue] = Field(
        default_factory=dict,
        max_length=50,
        description="What the IVR collected; copied into the callbacks of `merge` services.",
    )
    agent: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Who answered, as the ACD names them.",
    )
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The call's id in the IVR or the ACD, kept in the history.",
    )


class CallbackOutcome(BaseModel):
    id: uuid.UUID
    service: str
    policy: InboundFirstPolicy = Field(description="The service's inbound_first setting.")
    outcome: Outcome
    from_state: CallbackState
    state: CallbackState
    reason: str = Field(description="As written in the callback's history.")


class InboundCallRead(BaseModel):
    stage: InboundStage
    callbacks: list[CallbackOutcome] = Field(
        description="The number's active callbacks on the services looked at, oldest first; "
        "empty when it had none."
    )
