"""Shapes of the contact directory for the Workspace API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ringback.contacts.models import Contact, ContactHistory, ContactHistoryKind


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=3, max_length=40, examples=["+1 212 555 0142"])
    label: str = Field(default="", max_length=40, examples=["mobile"])


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=254, examples=["dana.reyes@example.com"])
    label: str = Field(default="", max_length=40, examples=["work"])


class ContactCreate(BaseModel):
    """A new contact; national-format numbers are read in the caller's default region."""

    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=20)
    emails: list[EmailIn] = Field(default_factory=list, max_length=20)


class ContactUpdate(BaseModel):
    """An edit: each field given replaces the stored one whole; omitted fields stay."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phones: list[PhoneIn] | None = Field(default=None, max_length=20)
    emails: list[EmailIn] | None = Field(default=None, max_length=20)


class ContactMerge(BaseModel):
    """Merge ``source_id`` into the contact addressed; the source is hidden afterwards."""

    model_config = ConfigDict(extra="forbid")

    source_id: uuid.UUID


class PhoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str = Field(description="E.164")
    label: str


class EmailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    address: str
    label: str


class ContactRead(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    display_name: str
    phones: list[PhoneRead]
    emails: list[EmailRead]
    merged_into: uuid.UUID | None = Field(description="Set once merged: the contact to use now.")
    created_at: datetime
    updated_at: datetime


class ContactPage(BaseModel):
    items: list[ContactRead]
    next_offset: int | None = Field(description="Pass as `offset` for the next page.")


class ContactHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: ContactHistoryKind
    interaction_id: uuid.UUID | None
    callback_id: uuid.UUID | None
    email_message_id: uuid.UUID | None
    agent_login: str | None
    text: str


class ContactNoteCreate(BaseModel):
    """A note an agent adds to a contact's history (kind ``note``)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)
    interaction_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None


def contact_read(contact: Contact) -> ContactRead:
    """The API view of a contact loaded with its numbers and addresses."""
    return ContactRead(
        id=contact.id,
        first_name=contact.first_name,
        last_name=contact.last_name,
        display_name=contact.display_name,
        phones=[PhoneRead.model_validate(phone) for phone in contact.phones],
        emails=[EmailRead.model_validate(email) for email in contact.emails],
        merged_into=contact.merged_into,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def history_read(entry: ContactHistory) -> ContactHistoryRead:
    return ContactHistoryRead.model_validate(entry)
