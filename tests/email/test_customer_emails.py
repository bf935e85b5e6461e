"""The customer's e-mails about a scheduled callback, sent to a real SMTP server on loopback:
confirmation with an .ics invitation, updates on move and cancel, the reminder, expiry; on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage as MimeMessage
from typing import Any

import pytest
from icalendar import Calendar, Component
from sqlalchemy import select
from tests.email.smtp import Mailbox
from tests.support import ALWAYS_OPEN

from ringback.callbacks import service as callbacks
from ringback.callbacks.expiry import expire_overdue
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.contacts.models import ContactHistory, ContactHistoryKind
from ringback.customers import links
from ringback.db import Database
from ringback.email import repository as email_repository
from ringback.email.calendar import uid_for
from ringback.email.customer_emails import CustomerEmails
from ringback.email.models import EmailKind, EmailMessage
from ringback.email.sender import EmailSender
from ringback.email.states import EmailState
from ringback.outbox import OutboxEvent, OutboxRelay
from ringback.settings import Settings

pytestmark = pytest.mark.anyio
MAIL_FROM = "Card Services <cards@bank.example>"
PUBLIC_URL = "https://callbacks.bank.example"
STAFF = callbacks.Caller(actor="test")
# Ten days before Europe's clocks go forward (2026-03-29, 02:00 -> 03:00 in Paris).
START = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
# 10:00 in Paris that Sunday is 08:00 UTC (summer time, UTC+2); it was UTC+1 the day before.
SLOT = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)

CONFIG = (
    """
[[queues]]
name = "cards"

[[services]]
name = "cards"
display_name = "Card services"
queue = "cards"
time_zone = "Europe/Paris"
default_region = "FR"
types = ["immediate", "scheduled"]
slot_minutes = 30
min_lead_minutes = 10
booking_horizon_days = 30
calling_window = "00:00-24:00"
expire_after_hours = 2
customer_emails = true
reminder_before_minutes = 60
expiry_email = true
[services.office_hours]
<always open>
[[services]]
name = "quiet"
queue = "cards"
time_zone = "Europe/Paris"
default_region = "FR"
calling_window = "00:00-24:00"
[services.office_hours]
<always open>
"""
).replace("<always open>\n", ALWAYS_OPEN)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(mailbox: Mailbox) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        mail_from=MAIL_FROM,
        smtp_timeout_seconds=5,
        public_url=PUBLIC_URL,
    )


class Node:
    """What one node runs for these e-mails: the outbox relay with both handlers, the sender."""

    def __init__(self, db: Database, clock: ManualClock, settings: Settings) -> None:
        self.db = db
        self.customer = CustomerEmails(db, clock, settings)
        self.sender = EmailSender(db, clock, settings)
        self.relay = OutboxRelay(db, clock)
        self.relay.subscribe("callback.", self.customer.deliver)
        self.relay.subscribe("email.", self.sender.deliver, at_most_once=True)

    async def settle(self) -> None:
        """Deliver every event, those the deliveries record too."""
        while await self.relay.deliver_pending():
            pass


@pytest.fixture
async def node(db: Database, clock: ManualClock, settings: Settings) -> Node:
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(CONFIG, source="test.toml"), now=START)
    running = Node(db, clock, settings)
    await running.customer.prepare()
    return running


async def ask(node: Node, clock: ManualClock, **fields: Any) -> Callback:
    body = {
        "service": "cards",
        "phone": "+33 6 12 34 56 78",
        "type": "scheduled",
        "desired_time": SLOT.isoformat(),
        "name": "Dana Reyes",
        "email": "dana@example.com",
        **fields,
    }
    async with node.db.transaction() as session:
        made = await callbacks.create_callback(
            session, request=CallbackCreate.model_validate(body), caller=STAFF, now=clock.now()
        )
    await node.settle()
    return made.callback


async def move(node: Node, clock: ManualClock, callback: Callback, to: datetime) -> None:
    async with node.db.transaction() as session:
        await callbacks.reschedule_callback(
            session, callback_id=callback.id, desired_time=to, caller=STAFF, now=clock.now()
        )
    await node.settle()


async def cancel(node: Node, clock: ManualClock, callback: Callback) -> None:
    async with node.db.transaction() as session:
        await callbacks.cancel_callback(
            session, callback_id=callback.id, caller=STAFF, now=clock.now(), reason=None
        )
    await node.settle()


async def messages(db: Database, callback: Callback) -> list[EmailMessage]:
    async with db.transaction() as session:
        return list(await email_repository.for_callback(session, callback.id))


def text_of(message: MimeMessage) -> str:
    """The plain text body, with the narrow spaces CLDR puts before AM/PM as plain ones."""
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n").replace("\u202f", " ")


def subject_of(message: MimeMessage) -> str:
    return str(message["Subject"]).replace("\u202f", " ")


def invitation(message: MimeMessage) -> tuple[Calendar, Component, Any]:
    """The .ics attachment parsed: the calendar, its one event, and the MIME part."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    return calendar, event, part


async def test_a_booked_callback_brings_a_confirmation_with_its_invitation(
    node: Node, mailbox: Mailbox
) -> None:
    callback = await ask(node, ManualClock(START))
    [received] = mailbox.received
    assert received.rcpt_tos == ["dana@example.com"]
    message = received.message
    assert subject_of(message).startswith("Your call from Card services: Sunday, March 29, 2026")
    text = text_of(message)
    assert "Hello Dana Reyes," in text
    assert "will call you on +33612345678" in text
    calendar, event, part = invitation(message)
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{callback.id}@bank.example"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == SLOT
    assert event.decoded("DTEND") == SLOT + timedelta(minutes=30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:cards@bank.example"
    assert str(event["ATTENDEE"]) == "mailto:dana@example.com"
    assert str(event["SUMMARY"]) == "Call from Card services"
    # The customer's page, signed for this callback, in the body and in the event.
    key = await links.link_key(node.db, Settings(public_url=PUBLIC_URL))
    url = links.manage_url(PUBLIC_URL, callback.id, key)
    assert f"To move or cancel this call: {url}" in text
    assert url in str(event["DESCRIPTION"])
    # The sent e-mail is in the contact's history, with its callback.
    async with node.db.transaction() as session:
        [history] = await session.scalars(
            select(ContactHistory).where(ContactHistory.kind == ContactHistoryKind.EMAIL)
        )
    assert history.callback_id == callback.id and history.agent_login is None
    assert history.text == f"e-mail to dana@example.com: {message['Subject']}"


async def test_the_slot_after_the_clocks_go_forward_shows_summer_time(
    node: Node, mailbox: Mailbox, clock: ManualClock
) -> None:
    """10:00 in Paris on 2026-03-29 is 08:00 UTC; an hour earlier the day before."""
    await ask(node, clock, time_zone="Europe/Paris")
    [received] = mailbox.received
    assert (
        "on Sunday, March 29, 2026, 10:00 AM (Central European Summer Time, Europe/Paris)."
        in text_of(received.message)
    )
    _, event, _ = invitation(received.message)
    assert event.decoded("DTSTART") == SLOT


async def test_a_customer_who_speaks_french_is_written_to_in_french(
    node: Node, mailbox: Mailbox, clock: ManualClock
) -> None:
    await ask(node, clock, language="fr-CA", time_zone="Europe/Paris")
    [received] = mailbox.received
    assert received.message["Subject"] == (
        "Votre appel de Card services : dimanche 29 mars 2026, 10:00 "
        "(heure d\u2019été d\u2019Europe centrale, Europe/Paris)"
    )
    text = text_of(received.message)
    assert text.startswith("Bonjour Dana Reyes,\n\nCard services vous appellera au +33612345678")
    _, event, _ = invitation(received.message)
    assert str(event["SUMMARY"]) == "Appel de Card services"


async def test_times_are_written_in_the_customers_zone_with_its_name(
    node: Node, mailbox: Mailbox, clock: ManualClock
) -> None:
    await ask(node, clock, time_zone="America/New_York")
    [received] = mailbox.received
    # New York moved to summer time on March 8: 08:00 UTC is 04:00 there.
    subject = subject_of(received.message)
    assert "Sunday, March 29, 2026, 4:00 AM (Eastern Daylight Time, America/New_York)" in subject


async def test_a_move_sends_the_invitation_again_with_a_higher_sequence(
    node: Node, mailbox: Mailbox, clock: ManualClock
) -> None:
    callback = await ask(node, clock)
    later = SLOT + timedelta(hours=3)
    await move(node, clock, callback, later)
    first, second = (r.message for r in mailbox.received)
    assert subject_of(second).startswith("Your call from Card services has moved: ")
    _, before, _ = invitation(first)
    calendar, after, part = invitation(second)
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == later
    assert str(calendar["METHOD"]) == "REQUEST" and part.get_param("method") == "REQUEST"
    await move(node, clock, callback, later + timedelta(hours=1))
    _, third, _ = invitation(mailbox.received[2].message)
    assert int(third["SEQUENCE"]) == 2


async def test_a_cancel_sends_method_cancel(
    node: Node, mailbox: Mailbox, clock: ManualClock
) -> None:
    callback = await ask(node, clock)
    await cancel(node, clock, callback)
    _, cancelled = (r.message for r in mailbox.received)
    assert cancelled["Subject"] == "Your call from Card services is cancelled"
    calendar, event, part = invitation(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL" and part.get_param("method") == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{callback.id}@bank.example"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == SLOT
    assert "/c/" not in text_of(cancelled)  # nothing left to manage


async def test_the_reminder_goes_its_minutes_before_the_time_and_once(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database, settings: Settings
) -> None:
    callback = await ask(node, clock)
    [reminder] = [m for m in await messages(db, callback) if m.kind is EmailKind.REMINDER]
    assert reminder.send_after == SLOT - timedelta(minutes=60)
    clock.set(SLOT - timedelta(minutes=61))
    assert await node.sender.send_due() == 0
    assert len(mailbox.received) == 1  # the confirmation only
    # The node that queued it is gone; two others look for due e-mail at the same moment.
    await db.dispose()
    clock.set(SLOT - timedelta(minutes=60))
    databases = [Database(db.url) for _ in range(2)]
    try:
        others = [EmailSender(database, clock, settings) for database in databases]
        await asyncio.gather(*(other.send_due() for other in others))
    finally:
        for database in databases:
            await database.dispose()
    assert len(mailbox.received) == 2
    sent = mailbox.received[1].message
    assert subject_of(sent) == (
        "Reminder: your call from Card services, Sunday, March 29, 2026, 10:00 AM "
        "(Central European Summer Time, Europe/Paris)"
    )
    assert not list(sent.iter_attachments())
    [stored] = [m for m in await messages(db, callback) if m.kind is EmailKind.REMINDER]
    assert stored.state is EmailState.SENT and stored.attempts == 1


async def test_a_moved_callback_is_reminded_of_its_new_time_only(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock)
    later = SLOT + timedelta(days=1)
    await move(node, clock, callback, later)
    reminders = [m for m in await messages(db, callback) if m.kind is EmailKind.REMINDER]
    assert [(r.state, r.send_after) for r in reminders] == [
        (EmailState.WITHDRAWN, SLOT - timedelta(hours=1)),
        (EmailState.QUEUED, later - timedelta(hours=1)),
    ]
    clock.set(SLOT)
    assert await node.sender.send_due() == 0
    clock.set(later - timedelta(hours=1))
    assert await node.sender.send_due() == 1
    assert subject_of(mailbox.received[-1].message).startswith(
        "Reminder: your call from Card services, Monday, March 30, 2026, 10:00 AM"
    )


async def test_no_reminder_after_a_cancel(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock)
    await cancel(node, clock, callback)
    clock.set(SLOT - timedelta(minutes=30))
    assert await node.sender.send_due() == 0
    assert [subject_of(m.message).split(":")[0] for m in mailbox.received] == [
        "Your call from Card services",
        "Your call from Card services is cancelled",
    ]
    [reminder] = [m for m in await messages(db, callback) if m.kind is EmailKind.REMINDER]
    assert reminder.state is EmailState.WITHDRAWN


async def test_no_reminder_for_a_callback_already_handled(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock)
    async with db.transaction() as session:
        found, _ = await callbacks.get_callback(
            session, callback_id=callback.id, caller=STAFF, for_update=True
        )
        # The customer called in and reached an agent: nothing is watched for that change.
        callbacks.change_state(
            session, found, CallbackEvent.ANSWERED_ELSEWHERE, actor="test", now=clock.now()
        )
    await node.settle()
    clock.set(SLOT - timedelta(minutes=60))
    assert await node.sender.send_due() == 0
    assert len(mailbox.received) == 1
    [reminder] = [m for m in await messages(db, callback) if m.kind is EmailKind.REMINDER]
    assert reminder.state is EmailState.WITHDRAWN


async def test_a_slot_too_close_for_a_reminder_gets_none(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    clock.set(SLOT - timedelta(minutes=45))
    callback = await ask(node, clock)
    assert [m.kind for m in await messages(db, callback)] == [EmailKind.CONFIRMATION]


async def test_an_expired_callback_brings_word_of_it_and_its_invitation_withdrawn(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock, language="fr")
    clock.set(SLOT + timedelta(hours=2))
    async with db.transaction() as session:
        [expired] = await expire_overdue(session, now=clock.now(), limit=10)
    assert expired.id == callback.id
    await node.settle()
    expiry = mailbox.received[-1].message
    assert expiry["Subject"] == "Nous n\u2019avons pas pu vous rappeler"
    calendar, event, _ = invitation(expiry)
    assert str(calendar["METHOD"]) == "CANCEL" and int(event["SEQUENCE"]) == 1


async def test_no_email_without_an_address(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock, email=None)
    await cancel(node, clock, callback)
    assert mailbox.received == []
    assert await messages(db, callback) == []


async def test_no_email_when_the_service_turns_them_off(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock, service="quiet")
    await move(node, clock, callback, SLOT + timedelta(hours=1))
    await cancel(node, clock, callback)
    assert mailbox.received == []
    assert await messages(db, callback) == []


async def test_an_immediate_callback_gets_no_invitation(
    node: Node, mailbox: Mailbox, clock: ManualClock, db: Database
) -> None:
    callback = await ask(node, clock, type="immediate", desired_time=None)
    assert await messages(db, callback) == []
    assert mailbox.received == []


def test_callback_ids_make_distinct_uids() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    assert uid_for(first, organizer=MAIL_FROM) != uid_for(second, organizer=MAIL_FROM)
    assert uid_for(first, organizer=MAIL_FROM).endswith("@bank.example")


async def test_an_event_this_node_does_not_know_is_left_alone(node: Node, db: Database) -> None:
    """A newer node's event (during a rolling upgrade) must not stop the relay."""
    async with db.transaction() as session:
        session.add(
            OutboxEvent(
                topic="callback.scheduled",
                payload={"callback_id": str(uuid.uuid4()), "service_id": 1, "event": "teleport"},
                created_at=START,
            )
        )
    await node.settle()
    async with db.transaction() as session:
        waiting = select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        assert list(await session.scalars(waiting)) == []
