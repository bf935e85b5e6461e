"""Sending queued e-mail through the SMTP relay, once, after the work that queued it committed.

The outbox relay hands ``email.queued`` events to :meth:`EmailSender.deliver`, which makes the
first attempt at once. A transient failure (the relay unreachable, a 4xx answer) leaves the
message queued with a later ``next_attempt_at``; :meth:`EmailSender.send_due`, run in a loop by
:meth:`EmailSender.run`, makes those later attempts, and picks up a message whose sender died
mid-attempt. Every attempt starts by locking the message row and checking its state, so an event
delivered twice, or a retry racing the first attempt on another node, never sends it twice.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

import aiosmtplib
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session

from ringback import outbox
from ringback.clock import Clock
from ringback.contacts import service as contacts
from ringback.contacts.models import ContactHistoryKind
from ringback.db import Database
from ringback.email import customer_emails, repository
from ringback.email.models import EmailMessage
from ringback.email.service import QUEUED_TOPIC, withdraw
from ringback.email.states import EmailEvent, EmailState, transition
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts
from ringback.outbox import OutboxEvent
from ringback.settings import Settings

log = structlog.get_logger(__name__)

MAX_RETRY_DELAY = timedelta(hours=1)
# Headers are not folded below RFC 5322's 998 characters: Python 3.11 folds a non-ASCII subject
# into encoded words that lose the space between them ("heure d'été d'Europe" arrives as
# "heure  d'étéd'Europe").
WIRE_POLICY = SMTP.clone(max_line_length=998)


class DeliveryFailure(Exception):
    """The relay did not take the message; ``permanent`` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SmtpRelay:
    """The SMTP server the settings name; one connection per message."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def mail_from(self) -> str:
        return self._settings.mail_from

    async def send(self, message: MimeMessage, *, sender: str, recipient: str) -> None:
        """Hand one message over; raises DeliveryFailure saying whether to try again."""
        settings = self._settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                message.as_bytes(policy=WIRE_POLICY),
                sender=sender,
                recipients=[recipient],
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusals = exc.recipients
            reason = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refusals)
            raise DeliveryFailure(
                f"recipient refused: {reason}", permanent=all(r.code >= 500 for r in refusals)
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # RFC 5321: 4xx asks to try again later, 5xx says it will never work.
            raise DeliveryFailure(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The relay is down, slow, or refuses TLS: an operator can fix that, so try again.
            reason = f"{type(exc).__name__}: {exc}".removesuffix(": ")
            raise DeliveryFailure(reason, permanent=False) from exc


def mime_message(message: EmailMessage, *, mail_from: str) -> MimeMessage:
    """The message as it goes on the wire; the same bytes at every attempt."""
    mime = MimeMessage()
    mime["From"] = mail_from
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.send_after or message.created_at)
    mime["Message-ID"] = message.message_id or message_id_for(message.id, mail_from=mail_from)
    mime.set_content(message.body)
    if message.calendar is not None:
        # text/calendar with its METHOD, as RFC 6047 (iMIP) asks, so mail clients offer it as
        # an invitation and calendars update or cancel the event.
        mime.add_attachment(
            message.calendar,
            subtype="calendar",
            filename="invite.ics",
            params={"method": calendar_method(message.calendar)},
        )
    return mime


def calendar_method(ical: str) -> str:
    """The METHOD of an iCalendar text (REQUEST when it names none)."""
    for line in ical.splitlines():
        if line.startswith("METHOD:"):
            return line.removeprefix("METHOD:").strip()
    return "REQUEST"


def message_id_for(email_id: uuid.UUID, *, mail_from: str) -> str:
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "ringback.invalid"
    return f"<{email_id}@{domain}>"


@dataclass(frozen=True)
class Attempt:
    """A claimed message, ready for the wire; built while the row is locked."""

    email_id: uuid.UUID
    mime: MimeMessage
    sender: str
    recipient: str


class EmailSender:
    """Sends queued e-mail: the outbox handler for ``email.*`` and the retry loop.

    An attempt first claims the message (row locked, state checked, attempt counted, and
    ``next_attempt_at`` pushed past the time a send can take), then talks to the relay, then
    records the outcome. Between claim and outcome no other delivery touches the message; if the
    node dies in between, the claim lapses and the retry loop tries again.
    """

    def __init__(
        self, db: Database, clock: Clock, settings: Settings, *, relay: SmtpRelay | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._relay = relay or SmtpRelay(settings)
        self._max_attempts = settings.email_max_attempts
        self._retry_delay = timedelta(seconds=settings.email_retry_seconds)
        # A send is several SMTP exchanges, each bounded by the timeout.
        self.claim_lasts = timedelta(seconds=settings.smtp_timeout_seconds * 10)

    async def deliver(self, event: OutboxEvent) -> None:
        """Outbox handler: make the first attempt at a message that was just queued."""
        if event.topic != QUEUED_TOPIC:
            return  # email.sent and email.failed are for other listeners
        email_id = uuid.UUID(event.payload["email_id"])
        relay_session = async_object_session(event)
        if relay_session is None:
            await self._attempt_apart(email_id)
            return
        # Called inside the relay's transaction, which on SQLite holds the only write lock: a
        # unit of work of our own would wait for it forever. Claim, send and record in the
        # relay's; they commit together with the event's delivery.
        attempt = await self._claim(relay_session, email_id)
        if attempt is not None:
            await self._record_outcome(relay_session, email_id, await self._try(attempt))

    async def send_due(self, *, limit: int = 20) -> int:
        """Attempt messages whose (next) attempt is due, one at a time; returns how many."""
        attempted = 0
        while attempted < limit:
            async with self._db.transaction() as session:
                due = await repository.due(session, now=self._clock.now(), limit=1)
                attempt = await self._claim(session, due[0].id) if due else None
            if attempt is None:
                break
            await self._finish(attempt)
            attempted += 1
        return attempted

    async def run(self, counts: LoopCounts | None = None, *, poll_seconds: float = 15.0) -> None:
        """Retry deferred (or abandoned) messages until cancelled."""
        streak = FailureStreak(log, "e-mail retry pass", counts=counts)
        while True:
            try:
                attempted = await self.send_due()
            except Exception as exc:
                streak.failed(exc)
            else:
                streak.succeeded(attempted)
            await asyncio.sleep(poll_seconds)

    async def _attempt_apart(self, email_id: uuid.UUID) -> None:
        """Claim in one unit of work and record the outcome in another: no lock is held while
        the relay is talked to."""
        async with self._db.transaction() as session:
            attempt = await self._claim(session, email_id)
        if attempt is not None:
            await self._finish(attempt)

    async def _finish(self, attempt: Attempt) -> None:
        failure = await self._try(attempt)
        async with self._db.transaction() as session:
            await self._record_outcome(session, attempt.email_id, failure)

    async def _claim(self, session: AsyncSession, email_id: uuid.UUID) -> Attempt | None:
        message = await repository.get(session, email_id, for_update=True)
        now = self._clock.now()
        if message is None:
            log.warning(f"email {email_id}: queued event for an unknown message; ignored")
            return None
        if message.state is not EmailState.QUEUED:
            log.info(f"email {email_id}: already {message.state}; not sent again")
            return None
        if message.send_after is not None and message.send_after > now:
            return None  # a reminder whose time has not come
        if not await customer_emails.still_true(session, message):
            withdraw(message, now=now)
            log.info(f"email {email_id}: {message.kind} no longer true; withdrawn")
            return None
        waiting = message.next_attempt_at is not None and message.next_attempt_at > now
        if message.attempts > 0 and waiting:
            return None  # being sent right now, or waiting for its retry time
        mail_from = self._relay.mail_from
        if message.message_id is None:
            message.message_id = message_id_for(message.id, mail_from=mail_from)
        message.attempts += 1
        message.next_attempt_at = now + self.claim_lasts
        message.updated_at = now
        return Attempt(
            message.id,
            mime_message(message, mail_from=mail_from),
            sender=parseaddr(mail_from)[1],
            recipient=message.to_address,
        )

    async def _try(self, attempt: Attempt) -> DeliveryFailure | None:
        try:
            await self._relay.send(attempt.mime, sender=attempt.sender, recipient=attempt.recipient)
        except DeliveryFailure as failure:
            return failure
        return None

    async def _record_outcome(
        self, session: AsyncSession, email_id: uuid.UUID, failure: DeliveryFailure | None
    ) -> None:
        message = await repository.get(session, email_id, for_update=True)
        assert message is not None  # e-mail messages are never deleted
        now = self._clock.now()
        message.updated_at = now
        if failure is None:
            step = transition(message.id, message.state, EmailEvent.ACCEPTED)
            message.state, message.sent_at, message.next_attempt_at = step.target, now, None
            await self._remember(session, message, f"e-mail to {message.to_address}", now)
            self._record(session, "email.sent", message, now)
            return
        message.last_error = failure.reason
        if not failure.permanent and message.attempts < self._max_attempts:
            step = transition(message.id, message.state, EmailEvent.DEFERRED)
            delay = min(self._retry_delay * 2 ** (message.attempts - 1), MAX_RETRY_DELAY)
            message.state, message.next_attempt_at = step.target, now + delay
            log.warning(
                f"email {message.id}: attempt {message.attempts} failed ({failure.reason}); "
                f"next at {message.next_attempt_at.isoformat()}"
            )
            return
        step = transition(message.id, message.state, EmailEvent.GIVE_UP)
        message.state, message.next_attempt_at = step.target, None
        log.error(f"email {message.id}: not sent after {message.attempts} attempt(s): {failure}")
        what = f"e-mail to {message.to_address} not delivered ({failure.reason})"
        await self._remember(session, message, what, now)
        self._record(session, "email.failed", message, now)

    @staticmethod
    async def _remember(
        session: AsyncSession, message: EmailMessage, what: str, now: datetime
    ) -> None:
        await contacts.add_history(
            session,
            contact_id=message.contact_id,
            kind=ContactHistoryKind.EMAIL,
            text=f"{what}: {message.subject}",
            now=now,
            agent_login=message.agent_login,
            interaction_id=message.interaction_id,
            callback_id=message.callback_id,
            email_message_id=message.id,
        )

    @staticmethod
    def _record(session: AsyncSession, topic: str, message: EmailMessage, now: datetime) -> None:
        outbox.record(
            session,
            topic,
            {
                "email_id": str(message.id),
                "contact_id": str(message.contact_id),
                "interaction_id": str(message.interaction_id) if message.interaction_id else None,
                "agent_login": message.agent_login,
                "callback_id": str(message.callback_id) if message.callback_id else None,
                "kind": str(message.kind),
                "state": str(message.state),
            },
            at=now,
        )
