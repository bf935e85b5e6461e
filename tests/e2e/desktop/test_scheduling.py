"""Rescheduling on a service open around the clock: a day, a part of the day, a few times with
their free places in both zones; then a confirmation and "Scheduled for" from then on."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from tests.e2e.desktop.conftest import (
    ARTIFACTS,
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)
from tests.e2e.desktop.slots import choose_slot, day_group, instant, open_slots

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SWITCH = 15_000


def test_a_day_then_a_few_times_then_a_confirmation_and_scheduled_for(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    agent_zone = "Europe/Berlin"
    page = open_desk("ada", timezone_id=agent_zone)
    created = desktop.ask_callback(service="cards", phone="+1 212 555 0131", name="Rae Stone")
    set_status(page, "Voice", "Ready")
    notification(page, "Rae Stone").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)
    info = page.get_by_role("region", name="Callback Information")
    expect(info).to_contain_text("Immediate")

    slots = open_slots(desktop, "cards")  # every quarter hour, two places each
    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="Reschedule a Callback").click()
    dialog = page.get_by_role("dialog", name="Reschedule a Callback")
    days = dialog.get_by_role("group", name="Day", exact=True).get_by_role("radio")
    # The next seven times 24 hours: seven or eight of the customer's calendar days.
    expect(days.first).to_be_visible()
    assert days.count() in (7, 8), days.count()
    expect(days.first).to_be_checked()
    expect(days.first).to_have_accessible_name(
        re.compile(rf"^{re.escape(day_group(slots[0], 'America/New_York'))} \d+ open$")
    )
    # The next day has every part of the day; today, late in New York, may have only one.
    days.nth(1).click()
    parts = dialog.get_by_role("group", name="Time of day").get_by_role("radio")
    expect(parts.last).to_have_accessible_name("Evening 18\N{EN DASH}24")
    # No wall of buttons: the times of one part of one day, 24 at most for quarter hours.
    times = dialog.get_by_role("group", name=re.compile(r", (Night|Morning|Afternoon|Evening)$"))
    count = times.get_by_role("button").count()
    assert 0 < count <= 24, count
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "reschedule-day-and-times.png")

    # Tomorrow evening in New York, in both zones, with its free places.
    tomorrow = next(
        s
        for s in slots
        if day_group(s, "America/New_York") != day_group(slots[0], "America/New_York")
        and instant(s["start"]).astimezone(ZoneInfo("America/New_York")).hour == 19
    )
    button = choose_slot(dialog, tomorrow, "America/New_York", agent_zone)
    expect(button).to_have_count(1)
    expect(button).to_contain_text("2 of 2 free")
    day_radios = dialog.get_by_role("group", name="Day", exact=True)
    expect(day_radios.get_by_role("radio", checked=True)).to_have_count(1)
    button.click()
    expect(dialog).to_be_hidden()

    ny = instant(tomorrow["start"]).astimezone(ZoneInfo("America/New_York"))
    when = f"{ny:%a} {ny.day} {ny:%b}, {ny:%H:%M} GMT-5"
    confirmation = page.get_by_role("status").filter(has_text="Callback scheduled for")
    expect(confirmation).to_contain_text(f"Callback scheduled for {when} (you: ")
    # From then on: Scheduled for, in Call Status and as the callback's type.
    expect(call_status(page)).to_contain_text(f"Scheduled for {when}")
    expect(info).to_contain_text(f"Scheduled for {when}")
    expect(info).not_to_contain_text("Immediate")
    actions.get_by_role("button", name="End Call").click()
    expect(call_status(page)).to_contain_text(f"Scheduled for {when}", timeout=SWITCH)
    expect(call_status(page)).not_to_contain_text("Ready to Call")
    page.screenshot(path=ARTIFACTS / "rescheduled-call-status.png")
    page.reload()
    expect(call_status(page)).to_contain_text(f"Scheduled for {when}")
    assert instant(desktop.callback(created["id"])["desired_time"]) == instant(tomorrow["start"])
