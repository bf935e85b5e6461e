"""E-mail use cases. They take a session and never commit: the caller's unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback import outbox
from ringback.contacts import repository as contact_repository
from ringback.contacts import service as contacts
from ringback.contacts.normalise import email_key, normalise_email
from ringback.db import new_id
from ringback.email import repository
from ringback.email.models import EmailKind, EmailMessage
from ringback.email.states import EmailEvent, EmailState, transition
from ringback.errors import invalid, not_found

QUEUED_TOPIC = "email.queued"


async def compose_email(
    session: AsyncSession,
    *,
    contact_id: uuid.UUID,
    to: str,
    subject: str,
    body: str,
    agent_login: str,
    interaction_id: uuid.UUID | None,
    now: datetime,
) -> EmailMessage:
    """Queue an e-mail to one of the contact's addresses; it is sent once this work commits."""
    contact = await contacts.live_contact(session, contact_id=contact_id)
    wanted = email_key(normalise_email(to, field="to"))
    address = next((e.address for e in contact.emails if e.address_key == wanted), None)
    if address is None:
        raise invalid(
            "not-a-contact-address",
            f"{to} is not an address of {contact.display_name or 'this contact'}",
            field="to",
        )
    subject = subject.strip()
    if not subject:
        raise invalid("empty-subject", "an e-mail needs a subject", field="subject")
    if "\r" in subject or "\n" in subject:
        # A line break would end the Subject header and start another one.
        raise invalid("invalid-subject", "a subject is a single line", field="subject")
    if not body.strip():
        raise invalid("empty-body", "an e-mail needs a body", field="body")
    message = EmailMessage(
        id=new_id(),
        contact_id=contact.id,
        interaction_id=interaction_id,
        agent_login=agent_login,
        to_address=address,
        subject=subject,
        body=body,
        state=EmailState.QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    outbox.record(
        session,
        QUEUED_TOPIC,
        {
            "email_id": str(message.id),
            "contact_id": str(contact.id),
            "interaction_id": str(interaction_id) if interaction_id else None,
            "agent_login": agent_login,
        },
        at=now,
    )
    await session.flush()
    return message


async def queue_automatic(
    session: AsyncSession,
    *,
    kind: EmailKind,
    callback_id: uuid.UUID,
    contact_id: uuid.UUID,
    to: str,
    subject: str,
    body: str,
    appointment_at: datetime,
    calendar: str | None,
    now: datetime,
    send_after: datetime | None = None,
) -> EmailMessage:
    """Queue one of a customer's automatic e-mails about a callback; it is sent once this work
    commits, or once ``send_after`` has passed."""
    message = EmailMessage(
        id=new_id(),
        contact_id=contact_id,
        interaction_id=None,
        agent_login=None,
        kind=kind,
        callback_id=callback_id,
        appointment_at=appointment_at,
        send_after=send_after,
        calendar=calendar,
        to_address=to,
        subject=subject,
        body=body,
        state=EmailState.QUEUED,
        attempts=0,
        next_attempt_at=send_after or now,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    if send_after is None:
        # Later ones are found by the sender's loop when their time comes.
        outbox.record(
            session,
            QUEUED_TOPIC,
            {
                "email_id": str(message.id),
                "contact_id": str(contact_id),
                "interaction_id": None,
                "agent_login": None,
                "callback_id": str(callback_id),
                "kind": str(kind),
            },
            at=now,
        )
    return message


def withdraw(message: EmailMessage, *, now: datetime) -> None:
    """Give up a message not sent yet: what it says is no longer true."""
    step = transition(message.id, message.state, EmailEvent.WITHDRAW)
    message.state, message.next_attempt_at, message.updated_at = step.target, None, now


async def get_email(session: AsyncSession, *, email_id: uuid.UUID) -> EmailMessage:
    message = await repository.get(session, email_id)
    if message is None:
        raise not_found("email-not-found", f"there is no e-mail {email_id}")
    return message


async def emails_for_contact(
    session: AsyncSession, *, contact_id: uuid.UUID, limit: int = 50
) -> Sequence[EmailMessage]:
    """E-mails to a contact and to the contacts merged into it, newest first."""
    contact = await contacts.get_contact(session, contact_id=contact_id)
    ids = [contact.id, *await contact_repository.merged_into(session, contact.id)]
    return await repository.for_contacts(session, ids, limit=max(1, min(limit, 200)))
