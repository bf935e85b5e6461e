"""Callback tables: the requests, their append-only history, slot bookings, idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType, Channel
from ringback.db import Base, enum_column, new_id

# The conditions of two partial indexes; the queries that use them write them the same way.
OLDEST_QUEUED = "state = 'queued'"
NOT_TRIED_WAITING = "attempts = 0 AND state IN ('queued', 'offered')"


# What the reports filter callbacks by, and the columns each of their ranges reads.
REPORT_FILTERS = ("service_id", "queue_id", "channel")
REPORT_RANGES = {
    "first_dialed_at": (*REPORT_FILTERS, "created_at", "first_queued_at", "type"),
    "contacted_at": (*REPORT_FILTERS, "created_at"),
    "ended_at": (*REPORT_FILTERS, "state", "ended_by", "last_result", "attempts", "contacted_at"),
}


class Callback(Base):
    __tablename__ = "callbacks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    phone: Mapped[str] = mapped_column(String(20))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_time_zone: Mapped[str | None] = mapped_column(String(64))
    # Where the customer's e-mails go (none without it), and the language of those e-mails
    # and of their page (a BCP 47 tag as the request gave it; shown in the nearest one known).
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_language: Mapped[str | None] = mapped_column(String(35))
    type: Mapped[CallbackType] = mapped_column(enum_column(CallbackType))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    state: Mapped[CallbackState] = mapped_column(enum_column(CallbackState))
    desired_time: Mapped[datetime]
    # When a scheduled callback becomes due; NULL once it is due (only waiting rows are indexed).
    due_at: Mapped[datetime | None]
    slot_start: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_result: Mapped[str | None] = mapped_column(String(32))  # of the latest dial
    contacted_at: Mapped[datetime | None]  # the customer answered at least once
    # Milestones of the history, kept on the row by a trigger on the history (migration 0015)
    # so that a report reads callbacks, not history.
    first_queued_at: Mapped[datetime | None]
    first_dialed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(100))  # the actor of its ending
    # A personal callback waits for this agent until reserved_until, then for anyone.
    reserved_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    reserved_until: Mapped[datetime | None]
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    data: Mapped[dict[str, Any]]
    instructions: Mapped[str | None] = mapped_column(Text)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index(
            "ix_callbacks_due",
            "due_at",
            postgresql_where=text("due_at IS NOT NULL"),
            sqlite_where=text("due_at IS NOT NULL"),
        ),
        # A callback's place in its queue: the entries ahead of it, counted in the index alone.
        Index("ix_callbacks_queue_position", "queue_id", "state", "priority", "queued_at", "id"),
        # The supervisor's queue rows: a service's oldest queued callback and its late ones.
        # Partial, so that they hold only those rows, and so that SQLite (no statistics) cannot
        # take them for intake's look-up of a number's active callbacks, which names the
        # service and the states but never these conditions.
        Index(
            "ix_callbacks_oldest_by_service",
            "service_id",
            "queued_at",
            postgresql_where=text(OLDEST_QUEUED),
            sqlite_where=text(OLDEST_QUEUED),
        ),
        Index(
            "ix_callbacks_late_by_service",
            "service_id",
            "desired_time",
            "state",  # redundant with the condition, but SQLite then counts in the index alone
            "attempts",
            postgresql_where=text(NOT_TRIED_WAITING),
            sqlite_where=text(NOT_TRIED_WAITING),
        ),
        # A number's callbacks on a service in order: the duplicate check and the list by phone.
        Index("ix_callbacks_listing_by_phone", "phone", "service_id", "created_at", "id"),
        Index("ix_callbacks_service_listing", "service_id", "state", "created_at", "id"),
        # The API's list by request time; and the report's requests, counted in the index.
        Index("ix_callbacks_listing", "created_at", "id", *REPORT_FILTERS, "type"),
        # The supervisor's waiting lists: one state at a time, oldest first.
        Index("ix_callbacks_waiting", "state", "queued_at", "id"),
        # The API's lists filtered by state alone or by service alone, newest first.
        Index("ix_callbacks_listing_by_state", "state", "created_at", "id"),
        Index("ix_callbacks_listing_by_service", "service_id", "created_at", "id"),
        # The routing engine's head of the queues, read in order instead of sorted.
        Index("ix_callbacks_routing", "state", text("priority DESC"), "queued_at"),
        # The supervisor's scheduled list, by due time.
        Index(
            "ix_callbacks_scheduled",
            "state",
            "due_at",
            "id",
            postgresql_where=text("due_at IS NOT NULL"),
            sqlite_where=text("due_at IS NOT NULL"),
        ),
        # The reports' ranges (a month's first dials, first answers and endings), each with
        # what its report reads, so that the table is not: a month's rows lie all over it.
        *(
            Index(
                f"ix_callbacks_{name}",
                name,
                *columns,
                postgresql_where=text(f"{name} IS NOT NULL"),
                sqlite_where=text(f"{name} IS NOT NULL"),
            )
            for name, columns in REPORT_RANGES.items()
        ),
        # A service's next scheduled callback, for the supervisor's queue rows.
        Index(
            "ix_callbacks_next_due_by_service",
            "service_id",
            "state",
            "due_at",
            postgresql_where=text("due_at IS NOT NULL"),
            sqlite_where=text("due_at IS NOT NULL"),
        ),
    )


class WaitingCountRow(Base):
    """How many callbacks each service had in each waiting state at the last fold; the
    changes since are rows of ``callback_waiting_changes`` until the next fold adds them."""

    __tablename__ = "callback_waiting_counts"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    state: Mapped[CallbackState] = mapped_column(enum_column(CallbackState), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


# +1 or -1 for a service and waiting state, written by triggers on callbacks (migration 0013)
# whenever a row enters or leaves one of those states. Insert-only until a fold moves them into
# callback_waiting_counts: no row is updated by two writers, so intake never waits on another
# request here. No key and no index: each insert is a heap append.
waiting_changes = Table(
    "callback_waiting_changes",
    Base.metadata,
    Column("service_id", Integer, nullable=False),
    Column("state", enum_column(CallbackState), nullable=False),
    Column("change", SmallInteger, nullable=False),
)


class CallbackHistory(Base):
    """Append-only: one row per state change, never updated or deleted."""

    __tablename__ = "callback_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    callback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("callbacks.id"), index=True)
    # By time: the supervisor's charts read the last hours of every callback's history.
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    event: Mapped[CallbackEvent] = mapped_column(enum_column(CallbackEvent))
    from_state: Mapped[CallbackState | None] = mapped_column(enum_column(CallbackState))
    to_state: Mapped[CallbackState] = mapped_column(enum_column(CallbackState))
    reason: Mapped[str | None] = mapped_column(Text)


class SlotBooking(Base):
    """How many active callbacks hold a slot; updated atomically, so a full slot stays full."""

    __tablename__ = "slot_bookings"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    callback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("callbacks.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
