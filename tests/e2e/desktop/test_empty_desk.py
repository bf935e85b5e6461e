"""The desk with nothing on it says what the agent is waiting for: when Not Ready, how to
become Ready; when Ready, what waits in their queues and when the next scheduled callback is
due, in the agent's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from tests.e2e.desktop.conftest import ARTIFACTS, DesktopServer, OpenDesk, notification, set_status

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AGENT_ZONE = "Europe/Brussels"


def as_the_desk_writes(iso: str, zone: str) -> str:
    """ "Thu 26 Nov, 10:30 CET": the desk's en-GB form of an instant in a zone."""
    at = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    return f"{at:%a} {at.day} {at:%b}, {at:%H:%M} {at.tzname()}"


def test_the_empty_desk_says_what_the_agent_is_waiting_for(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada", timezone_id=AGENT_ZONE)
    empty = page.get_by_role("region", name="Waiting for callbacks")

    # Signed in, Not Ready on both channels: how to start receiving, and no queue figures.
    expect(empty).to_contain_text("No interaction on your desk.")
    expect(empty).to_contain_text(
        "You are not Ready on any channel (Voice: Not Ready, Web Callback: Not Ready), "
        "so no callback is offered to you."
    )
    expect(empty).to_contain_text(
        "To receive callbacks, choose Ready under My Status, at the top of the page, "
        "for Voice or Web Callback."
    )
    expect(empty).not_to_contain_text("in your queues")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "empty-desk-not-ready.png")

    # While Ada is Not Ready, a customer books a time and two ask to be called now.
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    booked = desktop.ask_callback(
        service="cards",
        phone="+1 212 555 0171",
        name="Later Caller",
        type="scheduled",
        desired_time=soon.isoformat(),
    )
    desktop.ask_callback(service="cards", phone="+1 212 555 0172", name="First Caller")
    desktop.ask_callback(service="cards", phone="+1 212 555 0173", name="Second Caller")

    # Ready on Voice: the first is offered to her; the second still waits in her queue, and
    # the booked one is due at its time, read in her zone (not the service's New York).
    set_status(page, "Voice", "Ready")
    expect(notification(page, "First Caller")).to_be_visible()
    expect(empty).to_contain_text(
        "You are Ready on Voice: callbacks from your queues are offered to you as they come."
    )
    expect(empty).to_contain_text("1 callback waits in your queues (Card services).")
    due = as_the_desk_writes(booked["due_at"], AGENT_ZONE)
    expect(empty).to_contain_text(f"The next scheduled callback is due {due} (Card services).")
    expect(empty).not_to_contain_text("not Ready")
    page.screenshot(path=ARTIFACTS / "empty-desk-ready.png")
