"""Shapes of the supervisor's part of the Workspace API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ringback.agents.schemas import AgentRead, ChannelStatusRead, agent_read, status_read
from ringback.apitypes import JsonInteger
from ringback.callbacks.schemas import CallbackRead, callback_read
from ringback.supervisor.service import AgentOverview, QueueOverview, WaitingCallback

MIN_PRIORITY, MAX_PRIORITY = 0, 100  # the range a service's priority may take


class QueueRead(BaseModel):
    service: str
    display_name: str
    channel: str
    queue: str
    waiting: int = Field(description="Queued: ready to be offered now.")
    offered: int = Field(description="On an agent's screen, not yet accepted.")
    scheduled: int = Field(description="Waiting for a later time.")
    oldest_queued_at: datetime | None
    oldest_wait_seconds: int | None = Field(description="How long the oldest queued one waits.")
    next_scheduled_at: datetime | None = Field(description="The earliest due_at of the scheduled.")
    agents_ready: int = Field(description="Ready on the service's channel with the queue's skills.")
    agents_free: int = Field(description="Of those, holding no offer or interaction.")


class WaitingCallbackRead(CallbackRead):
    effective_priority: float | None = Field(
        description="Priority plus aging, as routing ranks it now; queued callbacks only."
    )
    offered_to: str | None = Field(description="Login of the agent whose screen shows it.")
    reserved_for: str | None = Field(description="A personal callback's agent.")
    reserved_until: datetime | None


class SupervisorCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class PriorityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: JsonInteger = Field(ge=MIN_PRIORITY, le=MAX_PRIORITY, examples=[90])
    reason: str | None = Field(default=None, max_length=500)


class HoldingRead(BaseModel):
    id: uuid.UUID
    state: str
    channel: str
    callback_id: uuid.UUID
    service: str
    name: str | None
    phone: str


class AgentChannelRead(ChannelStatusRead):
    offered: uuid.UUID | None = Field(description="The interaction offered on this channel.")
    interaction: uuid.UUID | None = Field(description="The interaction in hand on this channel.")


class SupervisedAgentRead(AgentRead):
    statuses: list[AgentChannelRead]
    interaction: HoldingRead | None = Field(
        description="The interaction in hand, or else the offer on the screen."
    )


def queue_read(row: QueueOverview, now: datetime) -> QueueRead:
    settings = row.service.config
    return QueueRead(
        service=settings.name,
        display_name=settings.display_name or settings.name,
        channel=settings.channel,
        queue=row.service.queue,
        waiting=row.waiting,
        offered=row.offered,
        scheduled=row.scheduled,
        oldest_queued_at=row.oldest_queued_at,
        oldest_wait_seconds=max(0, int((now - row.oldest_queued_at).total_seconds()))
        if row.oldest_queued_at
        else None,
        next_scheduled_at=row.next_scheduled_at,
        agents_ready=row.agents_ready,
        agents_free=row.agents_free,
    )


def waiting_read(row: WaitingCallback) -> WaitingCallbackRead:
    return WaitingCallbackRead(
        **callback_read(row.callback, row.service).model_dump(),
        effective_priority=row.effective_priority,
        offered_to=row.offered_to,
        reserved_for=row.reserved_for,
        reserved_until=row.callback.reserved_until,
    )


def agent_overview_read(row: AgentOverview) -> SupervisedAgentRead:
    agent, holding = row.agent, row.holding
    return SupervisedAgentRead(
        **agent_read(agent).model_dump(),
        statuses=[
            AgentChannelRead(
                **status_read(s).model_dump(), offered=s.offered, interaction=s.busy_with
            )
            for s in row.statuses
        ],
        interaction=HoldingRead(
            id=holding.interaction.id,
            state=str(holding.interaction.state),
            channel=str(holding.interaction.channel),
            callback_id=holding.callback.id,
            service=holding.service.name,
            name=holding.callback.customer_name,
            phone=holding.callback.phone,
        )
        if holding
        else None,
    )
