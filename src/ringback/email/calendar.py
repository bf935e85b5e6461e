"""The calendar invitation of a scheduled callback (RFC 5545/5546), built with ``icalendar``.

One event per callback: its UID never changes, so a calendar that has the invitation updates it
in place when a newer one (a higher SEQUENCE) arrives, and drops it on METHOD:CANCEL. Times are
in UTC; the customer's calendar shows them in its own zone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from enum import StrEnum

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//Ringback//Callbacks//EN"


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"  # the callback is booked, or moved
    CANCEL = "CANCEL"  # it will not happen


@dataclass(frozen=True)
class Invitation:
    """What the .ics of one change of a callback says."""

    callback_id: uuid.UUID
    method: CalendarMethod
    sequence: int  # how many times the callback was moved (cancel: one more)
    start: datetime
    end: datetime
    summary: str
    description: str
    organizer: str  # the mail_from mailbox, e.g. "Card Services <cards@bank.example>"
    attendee: str  # the customer's address
    stamp: datetime  # when this version was made
    url: str | None = None  # the customer's page
    alarm_before: timedelta | None = None


def uid_for(callback_id: uuid.UUID, *, organizer: str) -> str:
    """The event's UID: the callback's id at the organizer's mail domain."""
    domain = parseaddr(organizer)[1].rpartition("@")[2] or "ringback.invalid"
    return f"{callback_id}@{domain}"


def to_ical(invitation: Invitation) -> str:
    """The invitation as iCalendar text (CRLF line ends, lines folded)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", str(invitation.method))
    event = Event()
    event.add("uid", uid_for(invitation.callback_id, organizer=invitation.organizer))
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.stamp)
    event.add("dtstart", invitation.start)
    event.add("dtend", invitation.end)
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    if invitation.url:
        event.add("url", invitation.url)
    name, address = parseaddr(invitation.organizer)
    organizer = vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = vText(name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{invitation.attendee}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    cancelled = invitation.method is CalendarMethod.CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if invitation.alarm_before and not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", invitation.summary)
        alarm.add("trigger", -invitation.alarm_before)
        event.add_component(alarm)
    calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")
