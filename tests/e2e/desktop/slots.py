"""The Reschedule dialog's slot buttons, worked out independently of the desktop's code."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Locator
from tests.e2e.desktop.conftest import DesktopServer


def open_slots(desktop: DesktopServer, service: str) -> list[dict[str, Any]]:
    """The service's bookable slots with a place left, from the Callback API."""
    answer = httpx.get(
        f"{desktop.url}/api/v1/services/{service}/availability",
        headers={"Authorization": f"Bearer {desktop.keys['all']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return [slot for slot in answer.json()["slots"] if slot["available"] > 0]


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def slot_button(
    slot: dict[str, Any], customer_zone: str, agent_zone: str | None
) -> re.Pattern[str]:
    """The accessible name of a time's button: the time in the customer's zone, then the
    agent's time when the zones differ, with the agent's day when it is another one, then the
    places left ("09:30 CET (you: 00:30 GMT-8), 3 of 3 free", "08:30 CET (you: Thu 26 Nov,
    23:30 GMT-8), 1 of 3 free")."""
    start = instant(slot["start"])
    customer = start.astimezone(ZoneInfo(customer_zone))
    day = f"{customer:%a} {customer.day} {customer:%b}"
    name = rf"{customer:%H:%M} \S+"
    if agent_zone is not None:
        mine = start.astimezone(ZoneInfo(agent_zone))
        my_day = f"{mine:%a} {mine.day} {mine:%b}"
        shown = f"{mine:%H:%M}" if my_day == day else f"{my_day}, {mine:%H:%M}"
        name += rf" \(you: {re.escape(shown)} \S+\)"
    free = (
        f"{slot['available']} of {slot['capacity']} free"
        if slot["capacity"] > 1
        else f"{slot['available']} free"
    )
    return re.compile(rf"^{name}, {free}$")


def day_group(slot: dict[str, Any], customer_zone: str) -> str:
    """The day the slot is on, in the customer's calendar ("Sun 6 Dec")."""
    customer = instant(slot["start"]).astimezone(ZoneInfo(customer_zone))
    return f"{customer:%a} {customer.day} {customer:%b}"


def part_of_day(slot: dict[str, Any], customer_zone: str) -> str:
    """Night (00-06), Morning, Afternoon or Evening (18-24), in the customer's zone."""
    hour = instant(slot["start"]).astimezone(ZoneInfo(customer_zone)).hour
    return ["Night", "Morning", "Afternoon", "Evening"][hour // 6]


def choose_slot(
    dialog: Locator, slot: dict[str, Any], customer_zone: str, agent_zone: str | None
) -> Locator:
    """Pick the slot's day and part of the day in the dialog; the time's button."""
    day = day_group(slot, customer_zone)
    dialog.get_by_role("group", name="Day", exact=True).get_by_role(
        "radio", name=re.compile(rf"^{re.escape(day)} ")
    ).check()
    part = part_of_day(slot, customer_zone)
    parts = dialog.get_by_role("group", name="Time of day")
    if parts.count() > 0:
        parts.get_by_role("radio", name=re.compile(rf"^{part} ")).check()
    times = dialog.get_by_role("group", name=f"{day}, {part}")
    return times.get_by_role("button", name=slot_button(slot, customer_zone, agent_zone))


def other_day_for_agent(slot: dict[str, Any], customer_zone: str, agent_zone: str) -> bool:
    """Whether the agent's calendar day at the slot is not the customer's."""
    start = instant(slot["start"])
    return (
        start.astimezone(ZoneInfo(customer_zone)).date()
        != start.astimezone(ZoneInfo(agent_zone)).date()
    )
