"""The customer's automatic e-mails, queued in reaction to the callbacks' outbox events.

A callback with an e-mail address, on a service with ``customer_emails`` on, gets:

- for a ``scheduled`` callback: a confirmation with a calendar invitation (METHOD:REQUEST) when
  it is booked, the invitation again with the new time and a higher SEQUENCE when it is moved,
  and METHOD:CANCEL when it is cancelled. The event's UID is the callback's, so calendars
  update one entry. A reminder goes ``reminder_before_minutes`` before its time;
- for any callback that expires, with ``expiry_email`` on: an e-mail saying so.

:meth:`CustomerEmails.deliver` handles ``callback.*`` events inside the outbox relay's
transaction: the messages commit with the event's delivery, so a node dying in between
delivers the event again and nothing is lost or queued twice. Intake does no work for them.
A reminder is a stored message with ``send_after``; the e-mail sender's loop sends it when its
time comes, on whichever node claims it, after checking (:func:`still_true`) that the callback
still waits for that time. A move queues a new reminder and withdraws the old one.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session

from ringback.callbacks import repository as callbacks_repository
from ringback.callbacks.models import Callback
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType
from ringback.clock import Clock
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.config.schema import ServiceConfig
from ringback.customers import links
from ringback.customers import repository as customers_repository
from ringback.db import Database
from ringback.email import letters
from ringback.email import repository as email_repository
from ringback.email import service as email_service
from ringback.email.calendar import CalendarMethod, Invitation, to_ical
from ringback.email.models import EmailKind, EmailMessage
from ringback.outbox import OutboxEvent
from ringback.recent import Recent
from ringback.settings import Settings

log = structlog.get_logger(__name__)

# The changes that can call for an e-mail or change a reminder; the others cost nothing.
WATCHED = frozenset(
    {CallbackEvent.CREATE, CallbackEvent.RESCHEDULE, CallbackEvent.CANCEL, CallbackEvent.EXPIRE}
)
INVITATIONS = {
    CallbackEvent.CREATE: EmailKind.CONFIRMATION,
    CallbackEvent.RESCHEDULE: EmailKind.UPDATE,
    CallbackEvent.CANCEL: EmailKind.CANCELLATION,
}
ALARM_BEFORE = timedelta(minutes=15)
# A service's e-mail settings are read at most this often (a change reaches the e-mails within).
SERVICE_CACHE_SECONDS = 1.0


class CustomerEmails:
    """The outbox handler for ``callback.*`` that queues the customer's e-mails."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._key: bytes | None = None
        self._services: Recent[Service] = Recent(seconds=SERVICE_CACHE_SECONDS, max_entries=1_000)

    async def prepare(self) -> None:
        """Read (or make) the key of the customers' links, before the relay runs: the handler
        runs inside the relay's transaction, where a unit of work of its own could not start."""
        if self._settings.public_url is not None:
            self._key = await links.link_key(self._db, self._settings)

    async def deliver(self, event: OutboxEvent) -> None:
        """Outbox handler: queue what the change of a callback calls for."""
        # By name: an event this node does not know (a newer node's) is none of its business,
        # and must not stop the relay.
        if event.payload.get("event") not in WATCHED:
            return
        session = async_object_session(event)
        if session is None:
            async with self._db.transaction() as own:
                await self.react(own, event)
            return
        await self.react(session, event)

    async def react(self, session: AsyncSession, event: OutboxEvent) -> None:
        payload = event.payload
        change = CallbackEvent(payload["event"])
        config = (await self._service(session, payload["service_id"])).config
        if not config.customer_emails:
            return
        callback = await callbacks_repository.get(
            session, uuid.UUID(payload["callback_id"]), for_update=True
        )
        if callback is None or callback.customer_email is None or callback.contact_id is None:
            return
        now = self._clock.now()
        scheduled = callback.type is CallbackType.SCHEDULED
        kind = INVITATIONS.get(change) if scheduled else None
        if change is CallbackEvent.CREATE and payload["to"] != CallbackState.SCHEDULED:
            kind = None
        if change is CallbackEvent.EXPIRE and config.expiry_email:
            kind = EmailKind.EXPIRY
        if kind is not None:
            # The time as this change left it (a later move has an e-mail of its own).
            at = (
                datetime.fromisoformat(payload["due_at"])
                if payload.get("due_at")
                else callback.desired_time
            )
            moves = await email_repository.times_moved(session, callback.id, until=event.created_at)
            await self._queue(
                session, callback, config, kind, at=at, moves=moves, scheduled=scheduled, now=now
            )
        if scheduled:
            await self._plan_reminder(session, callback, config, change, now=now)

    async def _service(self, session: AsyncSession, service_id: int) -> Service:
        """The service as read at most a second ago: intake's events cost no read each."""
        service = self._services.get(self._db.url, str(service_id))
        if service is None:
            service = await config_repository.service_by_id(session, service_id)
            self._services.put(self._db.url, str(service_id), service)
        return service

    async def _queue(
        self,
        session: AsyncSession,
        callback: Callback,
        config: ServiceConfig,
        kind: EmailKind,
        *,
        at: datetime,
        moves: int,
        scheduled: bool,
        now: datetime,
        send_after: datetime | None = None,
    ) -> EmailMessage:
        assert callback.customer_email is not None
        assert callback.contact_id is not None
        url = await self._manage_url(session, callback.id)
        language = letters.language(callback.customer_language)
        letter = letters.write(
            letters.Facts(
                kind=kind,
                service=config.display_name or config.name,
                customer_name=callback.customer_name,
                phone=callback.phone,
                at=at,
                zone=customer_zone(callback, config),
                manage_url=url,
            ),
            language,
        )
        calendar = None
        if scheduled and kind is not EmailKind.REMINDER:
            ending = kind in (EmailKind.CANCELLATION, EmailKind.EXPIRY)
            calendar = to_ical(
                Invitation(
                    callback_id=callback.id,
                    method=CalendarMethod.CANCEL if ending else CalendarMethod.REQUEST,
                    sequence=moves + 1 if ending else moves,
                    start=at,
                    end=at + config.slot_length,
                    summary=letter.summary,
                    description=letter.description,
                    organizer=self._settings.mail_from,
                    attendee=callback.customer_email,
                    stamp=now,
                    url=url,
                    alarm_before=ALARM_BEFORE,
                )
            )
        message = await email_service.queue_automatic(
            session,
            kind=kind,
            callback_id=callback.id,
            contact_id=callback.contact_id,
            to=callback.customer_email,
            subject=letter.subject,
            body=letter.body,
            appointment_at=at,
            calendar=calendar,
            now=now,
            send_after=send_after,
        )
        log.info(f"callback {callback.id}: {kind} e-mail queued", email_id=str(message.id))
        return message

    async def _plan_reminder(
        self,
        session: AsyncSession,
        callback: Callback,
        config: ServiceConfig,
        change: CallbackEvent,
        *,
        now: datetime,
    ) -> None:
        """One reminder waits for the callback's current time, or none; stale ones go."""
        wanted: datetime | None = None
        minutes = config.reminder_before_minutes
        booked = change in (CallbackEvent.CREATE, CallbackEvent.RESCHEDULE)
        if booked and minutes and callback.state is CallbackState.SCHEDULED:
            send_at = callback.desired_time - timedelta(minutes=minutes)
            wanted = send_at if send_at > now else None  # too close: the confirmation will do
        waiting = await email_repository.waiting_for_callback(
            session, callback.id, kind=EmailKind.REMINDER
        )
        for reminder in waiting:
            if wanted is not None and reminder.appointment_at == callback.desired_time:
                wanted = None  # already there (this event was delivered before)
            else:
                email_service.withdraw(reminder, now=now)
        if wanted is not None:
            await self._queue(
                session,
                callback,
                config,
                EmailKind.REMINDER,
                at=callback.desired_time,
                moves=0,
                scheduled=True,
                now=now,
                send_after=wanted,
            )

    async def _manage_url(self, session: AsyncSession, callback_id: uuid.UUID) -> str | None:
        """The customer's page, when links can be absolute (``public_url`` is set)."""
        base = self._settings.public_url
        if base is None:
            return None
        if self._key is None:
            if self._settings.secret_key is not None:
                self._key = await links.link_key(self._db, self._settings)  # no database read
            else:
                stored = await customers_repository.signing_key(session, links.KEY_NAME)
                if stored is None:
                    log.warning("no key for the customers' links yet; e-mail sent without one")
                    return None
                self._key = base64.urlsafe_b64decode(stored)
        return links.manage_url(base, callback_id, self._key)


def customer_zone(callback: Callback, config: ServiceConfig) -> ZoneInfo:
    """The customer's time zone, or the service's when theirs is not known."""
    if callback.customer_time_zone:
        try:
            return ZoneInfo(callback.customer_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return config.zone


async def still_true(session: AsyncSession, message: EmailMessage) -> bool:
    """Whether a message about to be sent still says the truth: a reminder only while its
    callback waits for the time it names, and its service still sends reminders."""
    if message.kind is not EmailKind.REMINDER or message.callback_id is None:
        return True
    callback = await callbacks_repository.get(session, message.callback_id)
    if callback is None or callback.state is not CallbackState.SCHEDULED:
        return False
    if callback.desired_time != message.appointment_at:
        return False
    config = (await config_repository.service_by_id(session, callback.service_id)).config
    return config.customer_emails and config.reminder_before_minutes > 0
