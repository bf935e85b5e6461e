"""Outgoing e-mail messages: what the agent wrote, and how sending it went."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db import Base, enum_column, new_id
from ringback.email.states import EmailState


class EmailKind(StrEnum):
    """Who a message is from and why: an agent's, or one of the customer's automatic e-mails."""

    AGENT = "agent"  # written by an agent to a contact
    CONFIRMATION = "confirmation"  # a scheduled callback was booked: its invitation
    UPDATE = "update"  # it was moved: the invitation again, with the new time
    CANCELLATION = "cancellation"  # it was cancelled: the invitation withdrawn
    REMINDER = "reminder"  # sent a while before its time
    EXPIRY = "expiry"  # never handled in the time its service allows


class EmailMessage(Base):
    __tablename__ = "email_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"))
    interaction_id: Mapped[uuid.UUID | None]
    agent_login: Mapped[str | None] = mapped_column(String(63))  # none: an automatic e-mail
    kind: Mapped[EmailKind] = mapped_column(enum_column(EmailKind), default=EmailKind.AGENT)
    # The callback an automatic e-mail is about, and the time of it the e-mail gives.
    callback_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("callbacks.id"))
    appointment_at: Mapped[datetime | None]
    # Not sent before this time (a reminder); none: at once.
    send_after: Mapped[datetime | None]
    # An iCalendar attachment (text/calendar), sent with the body.
    calendar: Mapped[str | None] = mapped_column(Text)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[EmailState] = mapped_column(enum_column(EmailState))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the next attempt may be made; NULL once sent or failed (only waiting rows are indexed).
    next_attempt_at: Mapped[datetime | None]
    # Chosen at the first attempt and kept, so a message sent twice carries the same Message-ID
    # and the receiving side can recognise the duplicate.
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_email_messages_next_attempt",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
            sqlite_where=text("next_attempt_at IS NOT NULL"),
        ),
        Index("ix_email_messages_contact", "contact_id", "created_at"),
        Index(
            "ix_email_messages_callback",
            "callback_id",
            "kind",
            postgresql_where=text("callback_id IS NOT NULL"),
            sqlite_where=text("callback_id IS NOT NULL"),
        ),
    )
