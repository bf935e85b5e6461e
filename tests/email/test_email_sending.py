"""E-mail to contacts, sent through a real SMTP server on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import suppress
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.email.smtp import Mailbox, free_port

from ringback.clock import ManualClock
from ringback.contacts import service as contacts
from ringback.contacts.models import Contact, ContactHistoryKind
from ringback.contacts.schemas import ContactCreate
from ringback.db import Database
from ringback.email import service as email
from ringback.email.models import EmailMessage
from ringback.email.sender import EmailSender
from ringback.email.states import EmailState
from ringback.errors import RingbackError
from ringback.outbox import OutboxEvent, OutboxRelay
from ringback.settings import Settings

pytestmark = pytest.mark.anyio
MAIL_FROM = "Card Services <cards@bank.example>"


def sender_for(db: Database, clock: ManualClock, port: int, **settings: Any) -> EmailSender:
    options: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "mail_from": MAIL_FROM,
        "email_retry_seconds": 60,
        "email_max_attempts": 3,
        "smtp_timeout_seconds": 5,
    }
    return EmailSender(db, clock, Settings(**(options | settings)))


@pytest.fixture
def sender(db: Database, clock: ManualClock, mailbox: Mailbox) -> EmailSender:
    return sender_for(db, clock, mailbox.port)


@pytest.fixture
async def dana(db: Database, clock: ManualClock) -> Contact:
    async with db.transaction() as session:
        return await contacts.create_contact(
            session,
            request=ContactCreate(
                first_name="Dana",
                last_name="Reyes",
                emails=[
                    {"address": "Dana.Reyes@Example.com", "label": "home"},  # type: ignore[list-item]
                    {"address": "dana@work.example", "label": "work"},  # type: ignore[list-item]
                ],
            ),
            now=clock.now(),
        )


async def compose(
    db: Database, clock: ManualClock, contact: Contact, **fields: Any
) -> EmailMessage:
    values: dict[str, Any] = {
        "to": "dana.reyes@example.com",
        "subject": "Your replacement card",
        "body": "Hello Dana,\n\nyour new card was sent today.\n\nCard Services",
        "agent_login": "amy",
        "interaction_id": None,
    }
    async with db.transaction() as session:
        return await email.compose_email(
            session, contact_id=contact.id, now=clock.now(), **(values | fields)
        )


async def stored(db: Database, email_id: uuid.UUID) -> EmailMessage:
    async with db.transaction() as session:
        return await email.get_email(session, email_id=email_id)


async def topics(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.id)))


async def queued_event(db: Database) -> OutboxEvent:
    """The email.queued event, detached from any session (as a second relay pass would see it)."""
    async with db.transaction() as session:
        return (
            await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "email.queued"))
        ).one()


async def test_composing_queues_the_mail_and_records_an_event(
    db: Database, clock: ManualClock, dana: Contact
) -> None:
    interaction_id = uuid.uuid4()
    queued = await compose(
        db,
        clock,
        dana,
        to="DANA@WORK.EXAMPLE",
        subject="  Your card  ",
        interaction_id=interaction_id,
    )
    assert queued.state is EmailState.QUEUED and queued.attempts == 0
    assert queued.to_address == "dana@work.example"  # the contact's address, as stored
    assert queued.subject == "Your card"
    assert queued.next_attempt_at == clock.now() and queued.sent_at is None
    event = await queued_event(db)
    assert event.payload == {
        "email_id": str(queued.id),
        "contact_id": str(dana.id),
        "interaction_id": str(interaction_id),
        "agent_login": "amy",
    }


@pytest.mark.parametrize(
    ("fields", "code", "field_at_fault"),
    [
        ({"to": "someone@else.example"}, "not-a-contact-address", "to"),
        ({"to": "dana@"}, "invalid-email", "to"),
        ({"subject": "Hi\r\nBcc: everyone@example.com"}, "invalid-subject", "subject"),
        ({"subject": "   "}, "empty-subject", "subject"),
        ({"body": " \n "}, "empty-body", "body"),
    ],
)
async def test_composing_refuses_what_cannot_be_sent(
    db: Database,
    clock: ManualClock,
    dana: Contact,
    fields: dict[str, Any],
    code: str,
    field_at_fault: str,
) -> None:
    with pytest.raises(RingbackError) as refused:
        await compose(db, clock, dana, **fields)
    assert (refused.value.code, refused.value.field) == (code, field_at_fault)
    assert await topics(db) == []


async def test_composing_to_an_unknown_contact_is_refused(db: Database, clock: ManualClock) -> None:
    with pytest.raises(RingbackError) as refused:
        await compose(db, clock, Contact(id=uuid.uuid4()))
    assert refused.value.code == "contact-not-found" and refused.value.status == 404


async def test_composing_to_a_merged_contact_goes_to_the_one_it_was_merged_into(
    db: Database, clock: ManualClock, dana: Contact
) -> None:
    async with db.transaction() as session:
        target = await contacts.create_contact(
            session, request=ContactCreate(first_name="Dana", last_name="R."), now=clock.now()
        )
        await contacts.merge_contacts(
            session, source_id=dana.id, target_id=target.id, agent_login=None, now=clock.now()
        )
    queued = await compose(db, clock, dana)
    assert queued.contact_id == target.id
    async with db.transaction() as session:
        listed = await email.emails_for_contact(session, contact_id=target.id)
    assert [m.id for m in listed] == [queued.id]


@pytest.mark.parametrize("at_most_once", [False, True])
async def test_the_outbox_relay_sends_it_through_smtp(
    db: Database,
    clock: ManualClock,
    dana: Contact,
    mailbox: Mailbox,
    sender: EmailSender,
    at_most_once: bool,
) -> None:
    relay = OutboxRelay(db, clock)
    relay.subscribe("email.", sender.deliver, at_most_once=at_most_once)
    interaction_id = uuid.uuid4()
    queued = await compose(
        db, clock, dana, subject="Votre carte — Hélène", interaction_id=interaction_id
    )
    clock.advance(timedelta(seconds=2))
    assert await relay.deliver_pending() == 1

    [mail] = mailbox.received
    assert mail.mail_from == "cards@bank.example"
    assert mail.rcpt_tos == ["Dana.Reyes@example.com"]
    assert mail.message["From"] == MAIL_FROM
    assert mail.message["To"] == "Dana.Reyes@example.com"
    assert mail.message["Subject"] == "Votre carte — Hélène"
    assert mail.message["Message-ID"] == f"<{queued.id}@bank.example>"
    assert mail.message["Date"] is not None
    body = mail.message.get_body()
    assert body is not None
    assert body.get_content().replace("\r\n", "\n").rstrip("\n") == (
        "Hello Dana,\n\nyour new card was sent today.\n\nCard Services"
    )

    sent = await stored(db, queued.id)
    assert sent.state is EmailState.SENT and sent.attempts == 1
    assert sent.sent_at == clock.now() and sent.next_attempt_at is None
    assert sent.message_id == f"<{queued.id}@bank.example>"
    async with db.transaction() as session:
        [entry] = await contacts.history(session, contact_id=dana.id)
    assert entry.kind is ContactHistoryKind.EMAIL and entry.email_message_id == queued.id
    assert entry.interaction_id == interaction_id and entry.agent_login == "amy"
    assert "Votre carte" in entry.text and "Dana.Reyes@example.com" in entry.text
    assert await topics(db) == ["email.queued", "email.sent"]

    # The email.sent event reaches the same handler, which leaves it to other listeners.
    assert await relay.deliver_pending() == 1
    assert len(mailbox.received) == 1


async def test_an_event_delivered_twice_sends_one_mail(
    db: Database, clock: ManualClock, dana: Contact, mailbox: Mailbox, sender: EmailSender
) -> None:
    queued = await compose(db, clock, dana)
    event = await queued_event(db)
    await asyncio.gather(sender.deliver(event), sender.deliver(event))
    await sender.deliver(event)
    assert len(mailbox.received) == 1
    assert (await stored(db, queued.id)).attempts == 1


async def test_a_transient_refusal_is_retried_later_and_then_sent(
    db: Database, clock: ManualClock, dana: Contact, mailbox: Mailbox, sender: EmailSender
) -> None:
    mailbox.data_replies = ["451 4.3.0 Mailbox busy, try again later"]
    queued = await compose(db, clock, dana)
    await sender.deliver(await queued_event(db))
    deferred = await stored(db, queued.id)
    assert deferred.state is EmailState.QUEUED and deferred.attempts == 1
    assert deferred.last_error is not None and deferred.last_error.startswith("451")
    assert deferred.next_attempt_at == clock.now() + timedelta(seconds=60)
    assert mailbox.received == []

    # The event delivered again does not jump the queue; nothing is due before its time.
    await sender.deliver(await queued_event(db))
    clock.advance(timedelta(seconds=59))
    assert await sender.send_due() == 0
    assert (await stored(db, queued.id)).attempts == 1

    clock.advance(timedelta(seconds=1))
    assert await sender.send_due() == 1
    sent = await stored(db, queued.id)
    assert sent.state is EmailState.SENT and sent.attempts == 2 and sent.sent_at == clock.now()
    assert len(mailbox.received) == 1
    assert mailbox.received[0].message["Message-ID"] == f"<{queued.id}@bank.example>"
    assert await sender.send_due() == 0


@pytest.mark.parametrize("refusal", ["data", "recipient"])
async def test_a_permanent_refusal_fails_at_once_and_says_so_in_the_history(
    db: Database,
    clock: ManualClock,
    dana: Contact,
    mailbox: Mailbox,
    sender: EmailSender,
    refusal: str,
) -> None:
    if refusal == "data":
        mailbox.data_replies = ["554 5.7.1 Message rejected as spam"]
    else:
        mailbox.rcpt_reply = "550 5.1.1 No such mailbox"
    queued = await compose(db, clock, dana)
    await sender.deliver(await queued_event(db))
    failed = await stored(db, queued.id)
    assert failed.state is EmailState.FAILED and failed.attempts == 1
    assert failed.next_attempt_at is None and failed.sent_at is None
    assert failed.last_error is not None and (
        "554" in failed.last_error or "550" in failed.last_error
    )
    async with db.transaction() as session:
        [entry] = await contacts.history(session, contact_id=dana.id)
    assert entry.kind is ContactHistoryKind.EMAIL and "not delivered" in entry.text
    assert await topics(db) == ["email.queued", "email.failed"]
    clock.advance(timedelta(days=1))
    assert await sender.send_due() == 0
    assert mailbox.received == []


async def test_an_unreachable_relay_is_retried_with_growing_delays_then_given_up(
    db: Database, clock: ManualClock, dana: Contact
) -> None:
    sender = sender_for(db, clock, free_port())  # nothing listens there
    queued = await compose(db, clock, dana)
    await sender.deliver(await queued_event(db))
    waits = []
    for _ in range(2):
        message = await stored(db, queued.id)
        assert message.state is EmailState.QUEUED and message.next_attempt_at is not None
        waits.append(message.next_attempt_at - clock.now())
        clock.set(message.next_attempt_at)
        assert await sender.send_due() == 1
    assert waits == [timedelta(seconds=60), timedelta(seconds=120)]
    failed = await stored(db, queued.id)
    assert failed.state is EmailState.FAILED and failed.attempts == 3
    assert failed.last_error is not None and "Connect" in failed.last_error


async def test_a_message_abandoned_mid_attempt_is_sent_once_its_claim_lapses(
    db: Database, clock: ManualClock, dana: Contact, mailbox: Mailbox, sender: EmailSender
) -> None:
    mailbox.stall.set()
    queued = await compose(db, clock, dana)
    event = await queued_event(db)
    attempt = asyncio.create_task(sender.deliver(event))
    assert await asyncio.to_thread(mailbox.data_reached.wait, 10)
    attempt.cancel()  # the node dies while the relay holds the message
    with suppress(asyncio.CancelledError):
        await attempt
    mailbox.stall.clear()
    mailbox.resume.set()

    claimed = await stored(db, queued.id)
    assert claimed.state is EmailState.QUEUED and claimed.attempts == 1
    assert claimed.next_attempt_at == clock.now() + sender.claim_lasts
    # While the claim holds, neither the event again nor the retry loop sends it.
    await sender.deliver(event)
    clock.advance(sender.claim_lasts - timedelta(seconds=1))
    assert await sender.send_due() == 0
    assert mailbox.received == []

    clock.advance(timedelta(seconds=1))
    assert await sender.send_due() == 1
    sent = await stored(db, queued.id)
    assert sent.state is EmailState.SENT and sent.attempts == 2
    assert len(mailbox.received) == 1
