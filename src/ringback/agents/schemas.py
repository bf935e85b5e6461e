"""Shapes of agents and statuses in the Workspace API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ringback.agents.models import Agent, AgentChannel, AgentChannelStatus, AgentStatus


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
