"""Shapes of outgoing e-mail for the Workspace API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ringback.email.models import EmailKind
from ringback.email.states import EmailState


class EmailCompose(BaseModel):
    """An e-mail an agent writes to a contact (the contact is in the path)."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(max_length=254, description="One of the contact's addresses.")
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=100_000)
    interaction_id: uuid.UUID | None = Field(
        default=None, description="The interaction the e-mail was started from, if any."
    )


class EmailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    contact_id: uuid.UUID
    interaction_id: uuid.UUID | None
    agent_login: str | None = Field(description="None: one of the customer's automatic e-mails.")
    kind: EmailKind
    callback_id: uuid.UUID | None = Field(description="The callback an automatic e-mail is about.")
    send_after: datetime | None = Field(description="Not sent before (a reminder).")
    to_address: str
    subject: str
    body: str
    state: EmailState
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None
