"""Agent tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db import Base, enum_column


class AgentChannel(StrEnum):
    VOICE = "voice"
    WEBCALLBACK = "webcallback"


class AgentStatus(StrEnum):
    """What the agent chose (or the system set); Busy is derived from ``busy_with``."""

    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"
    AFTER_CALL_WORK = "after_call_work"


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]]  # "agent", "supervisor", "admin"
    skills: Mapped[list[str]]
    place: Mapped[str] = mapped_column(String(63))  # the phone extension the switch rings
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AgentSession(Base):
    """A signed-in browser or client; only the token's hash is stored."""

    __tablename__ = "agent_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AgentChannelStatus(Base):
    """One row per agent and channel: the status, and what the agent is holding right now."""

    __tablename__ = "agent_channel_status"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    channel: Mapped[AgentChannel] = mapped_column(enum_column(AgentChannel), primary_key=True)
    status: Mapped[AgentStatus] = mapped_column(enum_column(AgentStatus))
    reason: Mapped[str | None] = mapped_column(String(63))
    since: Mapped[datetime]
    # Longest-idle routing: when the agent last became free on this channel.
    idle_since: Mapped[datetime | None]
    # At most one offer and one interaction in hand at a time, per channel.
    offered: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("interactions.id"))
    busy_with: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("interactions.id"))
    # When After Call Work ends, and what comes next ("ready" or "not_ready").
    acw_until: Mapped[datetime | None]
    acw_then: Mapped[AgentStatus | None] = mapped_column(enum_column(AgentStatus))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index(
            "ix_agent_channel_status_acw_until",
            "acw_until",
            postgresql_where=text("acw_until IS NOT NULL"),
            sqlite_where=text("acw_until IS NOT NULL"),
        ),
        Index("ix_agent_channel_status_routing", "channel", "status", "idle_since"),
    )


class AgentStatusHistory(Base):
    __tablename__ = "agent_status_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    channel: Mapped[AgentChannel] = mapped_column(enum_column(AgentChannel))
    at: Mapped[datetime]
    from_status: Mapped[AgentStatus | None] = mapped_column(enum_column(AgentStatus))
    to_status: Mapped[AgentStatus] = mapped_column(enum_column(AgentStatus))
    reason: Mapped[str | None] = mapped_column(String(200))

    # The reports read one status's stretches over a range of time (After Call Work), and
    # each stretch's end: the agent's next row on that channel.
    __table_args__ = (
        Index("ix_agent_status_history_status_at", "to_status", "at"),
        # The handling report: every status of a range, to see where each one ended.
        Index("ix_agent_status_history_at", "at"),
        Index("ix_agent_status_history_agent_channel_id", "agent_id", "channel", "id"),
    )


class AgentFavorite(Base):
    """Team Communicator favorites and recents of an agent."""

    __tablename__ = "agent_targets"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # "favorite" | "recent"
    target: Mapped[str] = mapped_column(String(120), primary_key=True)  # an address
    label: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime]
