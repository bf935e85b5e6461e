"""Contact tables: the people, their numbers and addresses, and what happened with them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from ringback.db import Base, enum_column, new_id


class ContactHistoryKind(StrEnum):
    CALLBACK = "callback"  # a callback was requested or handled for this contact
    NOTE = "note"  # an agent's note about a call
    DISPOSITION = "disposition"  # the outcome code an agent set
    EMAIL = "email"  # an e-mail was sent (or could not be)
    MERGE = "merge"  # another contact was merged into this one


def _search_key(length: int) -> TypeEngine[str]:
    # Byte order on PostgreSQL, as on SQLite, whatever the database's locale: names list in the
    # same order on both, and a prefix LIKE may use the index.
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Contact(Base):
    """A person; a merged contact stays (old references resolve through ``merged_into``)."""

    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Folded copies (see normalise.fold) that search compares against on both databases.
    first_key: Mapped[str] = mapped_column(_search_key(100))
    last_key: Mapped[str] = mapped_column(_search_key(100))
    name_key: Mapped[str] = mapped_column(_search_key(201))
    merged_into: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    phones: Mapped[list[ContactPhone]] = relationship(
        order_by="ContactPhone.position", cascade="all, delete-orphan", lazy="raise"
    )
    emails: Mapped[list[ContactEmail]] = relationship(
        order_by="ContactEmail.position", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (Index("ix_contacts_listing", "last_key", "first_key", "id"),)

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class ContactPhone(Base):
    """A number (E.164) of a contact; the unique index keeps it to one contact."""

    __tablename__ = "contact_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)


class ContactEmail(Base):
    __tablename__ = "contact_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    address: Mapped[str] = mapped_column(String(254))
    # Case-folded address; several contacts may share one (a household's mailbox).
    address_key: Mapped[str] = mapped_column(String(254), index=True)
    label: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)


class ContactHistory(Base):
    """Append-only: what happened with a contact, newest last."""

    __tablename__ = "contact_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"))
    at: Mapped[datetime]
    kind: Mapped[ContactHistoryKind] = mapped_column(enum_column(ContactHistoryKind))
    # References only: interactions live in another table that may be pruned independently.
    interaction_id: Mapped[uuid.UUID | None]
    callback_id: Mapped[uuid.UUID | None]
    email_message_id: Mapped[uuid.UUID | None]
    agent_login: Mapped[str | None] = mapped_column(String(63))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_contact_history_contact", "contact_id", "at", "id"),)
