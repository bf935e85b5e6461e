"""End to end: a callback asked for over HTTP with an e-mail address brings its invitation to a
real SMTP server, then its update and its cancellation, from the server's own loops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from icalendar import Calendar, Component
from sqlalchemy import func, select
from tests.e2e.conftest import Inbox, RunningServer, prepare, serving
from tests.support import TEST_CONFIG

from ringback.db import Database
from ringback.email.models import EmailMessage
from ringback.outbox import OutboxEvent
from ringback.settings import Settings

PUBLIC_URL = "https://callbacks.bank.example"
# The "anytime" service (always open, UTC, 15-minute slots) e-mails its customers.
CONFIG = TEST_CONFIG.replace('name = "anytime"\n', 'name = "anytime"\ncustomer_emails = true\n', 1)


@pytest.fixture
def server(database_url: str, smtp_inbox: tuple[Inbox, int]) -> Iterator[RunningServer]:
    keys = prepare(database_url, config=CONFIG)
    settings = Settings(
        database_url=database_url,
        scheduler_max_sleep_seconds=0.2,
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox[1],
        mail_from="Support <support@bank.example>",
        public_url=PUBLIC_URL,
    )
    with serving(settings) as url:
        yield RunningServer(url, keys, database_url)


def wait_for(inbox: Inbox, count: int) -> list[Message]:
    """The inbox once it holds ``count`` messages (the outbox relay passes every 5 s)."""
    deadline = time.monotonic() + 30
    while len(inbox.messages) < count:
        assert time.monotonic() < deadline, f"{len(inbox.messages)} of {count} e-mails arrived"
        time.sleep(0.1)
    return inbox.messages


def event_of(message: Message) -> tuple[str, Component]:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") in ("REQUEST", "CANCEL")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = Calendar.from_ical(payload)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def slot(days: int) -> datetime:
    """A quarter-hour a few days ahead."""
    ahead = datetime.now(UTC) + timedelta(days=days)
    return ahead.replace(minute=0, second=0, microsecond=0)


def test_the_customer_gets_the_invitation_its_update_and_its_cancel(
    server: RunningServer, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_inbox
    first, second = slot(2), slot(3)
    with server.client() as http:
        answer = http.post(
            "/api/v1/callbacks",
            json={
                "service": "anytime",
                "phone": "+44 20 7946 0123",
                "type": "scheduled",
                "desired_time": first.isoformat(),
                "email": "jo@example.com",
                "time_zone": "Europe/London",
            },
        )
        assert answer.status_code == 201, answer.text
        callback_id = answer.json()["id"]
        [confirmation] = wait_for(inbox, 1)
        assert confirmation["To"] == "jo@example.com"
        method, event = event_of(confirmation)
        assert method == "REQUEST"
        assert str(event["UID"]) == f"{callback_id}@bank.example"
        assert int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == first
        assert f"{PUBLIC_URL}/c/" in str(event["DESCRIPTION"])

        moved = http.post(
            f"/api/v1/callbacks/{callback_id}/reschedule",
            json={"desired_time": second.isoformat()},
        )
        assert moved.status_code == 200, moved.text
        update = wait_for(inbox, 2)[1]
        method, event = event_of(update)
        assert (method, int(event["SEQUENCE"])) == ("REQUEST", 1)
        assert event.decoded("DTSTART") == second

        cancelled = http.post(f"/api/v1/callbacks/{callback_id}/cancel", json={})
        assert cancelled.status_code == 200, cancelled.text
        cancel = wait_for(inbox, 3)[2]
        method, event = event_of(cancel)
        assert (method, int(event["SEQUENCE"]), str(event["STATUS"])) == ("CANCEL", 2, "CANCELLED")
        assert str(event["UID"]) == f"{callback_id}@bank.example"


def test_a_request_without_an_address_sends_nothing(
    server: RunningServer, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_inbox
    with server.client() as http:
        answer = http.post(
            "/api/v1/callbacks",
            json={
                "service": "anytime",
                "phone": "+44 20 7946 0124",
                "type": "scheduled",
                "desired_time": slot(2).isoformat(),
            },
        )
        assert answer.status_code == 201, answer.text
        services = http.get("/api/v1/services/anytime").json()
    assert services["customer_emails"] is True and services["reminder_before_minutes"] == 60
    # Once the request's event is delivered, its e-mails (none) are queued.
    deadline = time.monotonic() + 30
    while asyncio.run(stored(server.database_url, OutboxEvent.published_at.is_(None))):
        assert time.monotonic() < deadline, "the request's event was not delivered"
        time.sleep(0.1)
    assert asyncio.run(stored(server.database_url, EmailMessage.id.is_not(None))) == 0
    assert inbox.messages == []


async def stored(database_url: str, condition: Any) -> int:
    """How many rows of the condition's table meet it."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            table = condition.left.table
            counted = await session.scalar(select(func.count()).select_from(table).where(condition))
            return int(counted or 0)
    finally:
        await db.dispose()
