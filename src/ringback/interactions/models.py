"""Interaction tables: the agent's unit of work and its case history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ringback.agents.models import AgentChannel
from ringback.db import Base, enum_column
from ringback.interactions.states import InteractionState


class Interaction(Base):
    __tablename__ = "interactions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    callback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("callbacks.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    channel: Mapped[AgentChannel] = mapped_column(enum_column(AgentChannel))
    state: Mapped[InteractionState] = mapped_column(enum_column(InteractionState))
    preview: Mapped[dict[str, Any]]  # the fields the service shows before Accept
    offered_at: Mapped[datetime]
    # Set while the notification waits for an answer; its index drives the offer timeout.
    offer_expires_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    call_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_result: Mapped[str | None] = mapped_column(String(32))
    parties: Mapped[dict[str, Any]]  # address -> role, as the switch reports them
    consultation_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    consultation_target: Mapped[str | None] = mapped_column(String(120))
    consultation_state: Mapped[str | None] = mapped_column(String(20))
    disposition: Mapped[str | None] = mapped_column(String(63))
    transferred_from: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index(
            "ix_interactions_offer_expires_at",
            "offer_expires_at",
            postgresql_where=text("offer_expires_at IS NOT NULL"),
            sqlite_where=text("offer_expires_at IS NOT NULL"),
        ),
        Index("ix_interactions_agent", "agent_id", "state", "created_at"),
        # The reports read interactions by the time they ended (reports/repository.py).
        Index("ix_interactions_ended_at", "ended_at"),
    )


class InteractionHistory(Base):
    """The case history: what happened, in order (offers, calls, DTMF digits, notes...)."""

    __tablename__ = "interaction_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    interaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interactions.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]]

    # The reports read one kind of entry over a range of time (the dials' results).
    __table_args__ = (Index("ix_interaction_history_kind_at", "kind", "at"),)


class AgentEvent(Base):
    """The real-time stream: each agent reads its own rows (supervisors read all) by id."""

    __tablename__ = "agent_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    at: Mapped[datetime]

    __table_args__ = (Index("ix_agent_events_agent", "agent_id", "id"),)
