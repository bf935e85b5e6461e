"""Shapes of agents and statuses in the Workspace API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ringback.agents.models import Agent, AgentChannel, AgentChannelStatus, AgentStatus
from ringback.agents.queues import MyQueue


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(max_length=63)
    password: str = Field(max_length=200)


class ChannelStatusRead(BaseModel):
    channel: AgentChannel
    status: AgentStatus
    busy: bool = Field(description="Derived: an interaction is in hand on this channel.")
    reason: str | None
    since: datetime
    acw_until: datetime | None


class AgentRead(BaseModel):
    id: int = Field(description="As in `agent_id` of interactions and events.")
    login: str
    name: str
    place: str
    roles: list[str]
    skills: list[str]


class Me(BaseModel):
    agent: AgentRead
    statuses: list[ChannelStatusRead]


class SessionRead(Me):
    token: str = Field(description="Send as Authorization: Bearer <token>, or rely on the cookie.")
    csrf_token: str = Field(description="Echo in X-CSRF-Token on changes made with the cookie.")
    expires_at: datetime


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ready", "not_ready", "logged_out"]
    reason: str | None = Field(default=None, description="A Not Ready reason code.")


class MyQueueRead(BaseModel):
    """A service whose queue the agent serves, and what waits there."""

    service: str
    display_name: str
    channel: AgentChannel
    queue: str
    waiting: int = Field(description="Callbacks queued: offered to the queue's Ready agents.")
    scheduled: int = Field(description="Callbacks scheduled for a later time.")
    next_scheduled_at: datetime | None = Field(
        description="The earliest `due_at` of the scheduled ones (UTC), or null."
    )


def my_queue_read(mine: MyQueue) -> MyQueueRead:
    settings = mine.service.config
    return MyQueueRead(
        service=settings.name,
        display_name=settings.display_name or settings.name,
        channel=AgentChannel(settings.channel),
        queue=mine.service.queue,
        waiting=mine.waiting,
        scheduled=mine.scheduled,
        next_scheduled_at=mine.next_scheduled_at,
    )


def agent_read(agent: Agent) -> AgentRead:
    return AgentRead(
        id=agent.id,
        login=agent.login,
        name=agent.name,
        place=agent.place,
        roles=agent.roles,
        skills=agent.skills,
    )


def status_read(row: AgentChannelStatus) -> ChannelStatusRead:
    return ChannelStatusRead(
        channel=row.channel,
        status=row.status,
        busy=row.busy_with is not None,
        reason=row.reason,
        since=row.since,
        acw_until=row.acw_until,
    )
