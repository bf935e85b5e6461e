"""Shapes of interactions in the Workspace API and its event stream."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackRead, callback_read
from ringback.config.repository import Service
from ringback.interactions.models import Interaction
from ringback.interactions.states import (
    Action,
    ConsultationAction,
    InteractionState,
    actions_for,
)


class ConsultationRead(BaseModel):
    id: str
    target: str
    state: str
    actions: list[ConsultationAction]


class HandoverRead(BaseModel):
    """Who handed this agent the call, and why."""

    how: Literal["transfer", "conference"]
    source: uuid.UUID = Field(description="The colleague's interaction.")
    agent: str | None = Field(description="The colleague's login.")
    agent_name: str | None
    reason: str | None = Field(
        description="The reason given with the transfer or conference, else the colleague's "
        "last note."
    )
    at: datetime


class InteractionRead(BaseModel):
    id: uuid.UUID
    state: InteractionState
    channel: str
    agent_id: int
    callback: CallbackRead
    contact_id: uuid.UUID | None = Field(description="The contact the callback belongs to.")
    service_name: str = Field(description="The service's display name.")
    service_time_zone: str
    preview: dict[str, Any] = Field(description="The fields the service shows before Accept.")
    offer_expires_at: datetime | None
    on_offer_timeout: str | None = Field(description="What happens if the offer is left alone.")
    accepted_at: datetime | None
    ended_at: datetime | None
    call_id: str | None
    last_result: str | None
    parties: dict[str, str]
    consultation: ConsultationRead | None
    disposition: str | None
    disposition_required: bool
    handover: HandoverRead | None = Field(
        description="Set when a colleague transferred the call to this agent or brought them "
        "into it (a conference); the case history then includes the colleague's."
    )
    actions: list[Action] = Field(description="What the agent may do now.")
    created_at: datetime
    updated_at: datetime


def interaction_read(
    interaction: Interaction,
    callback: Callback,
    service: Service,
    handover: HandoverRead | None = None,
) -> InteractionRead:
    consultation = None
    if interaction.consultation_id and interaction.consultation_target:
        state = interaction.consultation_state or "ringing"
        finishing = [ConsultationAction.END]
        if state == "connected":
            finishing += [
                ConsultationAction.COMPLETE_TRANSFER,
                ConsultationAction.COMPLETE_CONFERENCE,
            ]
        consultation = ConsultationRead(
            id=interaction.consultation_id,
            target=interaction.consultation_target,
            state=state,
            actions=finishing,
        )
    actions = actions_for(
        interaction.state,
        callback_state=callback.state,
        consulting=interaction.consultation_id is not None,
    )
    timeout = None
    if interaction.state is InteractionState.OFFERED:
        timeout = (
            "returned to the queue, and your status becomes Not Ready"
            if service.config.timeout_sets_not_ready
            else "returned to the queue"
        )
    return InteractionRead(
        id=interaction.id,
        state=interaction.state,
        channel=interaction.channel,
        agent_id=interaction.agent_id,
        callback=callback_read(callback, service),
        contact_id=callback.contact_id,
        service_name=service.config.display_name or service.config.name,
        service_time_zone=service.config.time_zone,
        preview=interaction.preview,
        offer_expires_at=interaction.offer_expires_at,
        on_offer_timeout=timeout,
        accepted_at=interaction.accepted_at,
        ended_at=interaction.ended_at,
        call_id=interaction.call_id,
        last_result=interaction.last_result,
        parties=interaction.parties,
        consultation=consultation,
        disposition=interaction.disposition,
        disposition_required=service.config.disposition_required,
        handover=handover,
        actions=actions,
        created_at=interaction.created_at,
        updated_at=interaction.updated_at,
    )


class HistoryRead(BaseModel):
    at: datetime
    actor: str
    actor_name: str | None = Field(description="The agent's name, when an agent did it.")
    kind: str
    detail: dict[str, Any]
    interaction_id: uuid.UUID = Field(
        description="The interaction it belongs to: a colleague's, for what happened before "
        "they handed the call over."
    )


class TargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(
        description="agent:<login>, queue:<name>, routing-point:<name>, or a number "
        "(a contact's numbers come from the Team Communicator)",
        examples=["agent:maria", "+12125550199"],
    )
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why, for whoever takes the call: shown on their screen and kept in the "
        "case history.",
        examples=["Wants a limit above 5,000: needs a supervisor."],
    )


class DtmfBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    digits: str = Field(pattern=r"^[0-9*#A-D]{1,32}$")


class RescheduleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    desired_time: AwareDatetime
    personal: bool = Field(default=False, description="Keep it for me (falls back to the queue).")


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


class DispositionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=63)


class EmailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(max_length=320)
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
