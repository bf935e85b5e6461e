"""Voice callbacks that do not go straight to the call: Delayed (Agent Preview), Reschedule a
Callback during the call (personal or not), and a busy line called again."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD
from tests.e2e.desktop.conftest import (
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)
from tests.e2e.desktop.slots import choose_slot, instant, open_slots

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SWITCH = 15_000  # waits that depend on the simulated switch (and a busy machine)


def test_delayed_callback_with_agent_preview_waits_for_call(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    created = desktop.ask_callback(
        service="advice",
        type="delayed",
        phone="+44 20 7946 0321",
        name="Priya Shah",
        data={"account": "GB-55120"},
        instructions="Wants to talk about an ISA transfer.",
    )
    set_status(page, "Voice", "Ready")

    # The preview, before Accept: the service's preview fields.
    offer = notification(page, "Priya Shah")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Advice with preview · Delayed (Agent Preview)")
    expect(offer).to_contain_text("020 7946 0321")
    # The desired time as a person reads it (London is on UTC, like the browser: one zone).
    desired = instant(created["desired_time"])
    desired_text = f"Desired time{desired:%a} {desired.day} {desired:%b}, {desired:%H:%M} GMT"
    expect(offer).to_contain_text(desired_text)
    expect(offer).to_contain_text(re.compile(r"Account\s*GB-55120"))
    offer.get_by_role("button", name="Accept").click()
    expect(offer).to_be_hidden()

    # Accepted: nothing is dialled until the agent presses Call.
    expect(page.get_by_role("heading", name="Voice Callback: Priya Shah")).to_be_visible()
    expect(call_status(page)).to_contain_text("Preview")
    case = page.get_by_role("region", name="Case Information")
    expect(case).to_contain_text(re.compile(r"Account:?\s*GB-55120"))
    expect(case).to_contain_text("Wants to talk about an ISA transfer.")
    expect(page.get_by_role("region", name="Callback Information")).to_contain_text(
        desired_text.replace("Desired time", "Desired timeCustomer: ")
    )
    expect(page.get_by_role("region", name="Contact", exact=True)).to_contain_text(
        "No other number or e-mail"
    )
    actions = page.get_by_role("toolbar", name="Call Actions")
    call = actions.get_by_role("button", name="Call", exact=True)
    expect(call).to_be_enabled()
    expect(actions.get_by_role("button", name="End Call")).to_have_count(0)
    info = page.get_by_role("region", name="Callback Information")
    expect(info).to_contain_text("Delayed (Agent Preview)")
    expect(info).to_contain_text(re.compile(r"Attempts:?\s*0 of \d"))
    callback = desktop.callback(created["id"])
    assert callback["state"] == "accepted", callback
    assert callback["attempts"] == 0, callback
    expect(page.get_by_role("region", name="Case History")).not_to_contain_text("You called")

    call.click()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)
    expect(info).to_contain_text(re.compile(r"Attempts:?\s*1 of \d"))
    expect(page.get_by_role("region", name="Case History")).to_contain_text(
        "You called 020 7946 0321 (attempt 1)."
    )

    actions.get_by_role("button", name="End Call").click()
    expect(call_status(page)).to_contain_text("Ready to Call", timeout=SWITCH)
    # advice does not require a disposition: Mark Done is there at once.
    expect(page.get_by_role("region", name="Dispositions")).to_contain_text("Optional.")
    expect(page.get_by_text("needs a disposition code")).to_have_count(0)
    mark_done = actions.get_by_role("button", name="Mark Done")
    expect(mark_done).to_be_enabled()
    mark_done.click()

    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    assert desktop.callback(created["id"])["state"] == "completed"


def supervisor_callbacks(desktop: DesktopServer, service: str) -> list[dict[str, object]]:
    """The waiting callbacks as the supervisor sue sees them."""
    with httpx.Client(base_url=desktop.url, timeout=10) as client:
        signed = client.post(
            "/api/v1/workspace/session", json={"login": "sue", "password": PASSWORD}
        )
        assert signed.status_code == 201, signed.text
        token = signed.json()["token"]
        answer = client.get(
            "/api/v1/workspace/supervisor/callbacks",
            params={"service": service},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])


def test_voice_reschedule_in_a_slot_as_a_personal_callback(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")  # the browser's zone: UTC, the customer's: New York
    created = desktop.ask_callback(
        service="cards", phone="+1 212 555 0123", name="Dana Reyes", data={"reason": "card stolen"}
    )
    set_status(page, "Voice", "Ready")
    notification(page, "Dana Reyes").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)

    slots = open_slots(desktop, "cards")
    assert len(slots) > 8, slots
    chosen = slots[6]  # an hour and a half ahead or more: it is still open when clicked
    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="Reschedule a Callback").click()
    dialog = page.get_by_role("dialog", name="Reschedule a Callback")
    expect(dialog).to_contain_text("in the customer's time (America/New_York) and yours (UTC)")
    personal = dialog.get_by_role("checkbox", name="Personal callback")
    expect(personal).not_to_be_checked()
    personal.check()
    expect(personal).to_be_checked()
    button = choose_slot(dialog, chosen, "America/New_York", "UTC")
    expect(button).to_have_count(1)
    button.click()
    expect(dialog).to_be_hidden()

    expect(page.get_by_role("region", name="Case History")).to_contain_text(
        "You rescheduled the callback as a personal callback for "
    )
    callback = desktop.callback(created["id"])
    assert callback["state"] == "scheduled", callback
    assert instant(callback["slot"]["start"]) == instant(chosen["start"]), (callback, chosen)
    assert instant(callback["desired_time"]) == instant(chosen["start"]), (callback, chosen)
    waiting = {str(c["id"]): c for c in supervisor_callbacks(desktop, "cards")}
    assert waiting[created["id"]]["reserved_for"] == "ada", waiting
    assert waiting[created["id"]]["reserved_until"] is not None, waiting

    # Still on the call: the customer is not cut off by the reschedule.
    expect(call_status(page)).to_contain_text("Connected")
    expect(call_status(page)).to_contain_text("Scheduled for ")
    expect(actions.get_by_role("button", name="Reschedule a Callback")).to_have_count(0)
    actions.get_by_role("button", name="End Call").click()
    # Not "Ready to Call": the callback waits for its new time.
    expect(call_status(page)).to_contain_text("Scheduled for ", timeout=SWITCH)
    expect(call_status(page)).not_to_contain_text("Ready to Call")
    page.get_by_role("radio", name="Follow-up needed").check()
    mark_done = actions.get_by_role("button", name="Mark Done")
    expect(mark_done).to_be_enabled()
    mark_done.click()
    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    assert desktop.callback(created["id"])["state"] == "scheduled"


def test_voice_reschedule_without_personal_leaves_it_for_anyone(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    created = desktop.ask_callback(service="cards", phone="+1 212 555 0124", name="Lee Park")
    set_status(page, "Voice", "Ready")
    notification(page, "Lee Park").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)

    chosen = open_slots(desktop, "cards")[6]
    page.get_by_role("toolbar", name="Call Actions").get_by_role(
        "button", name="Reschedule a Callback"
    ).click()
    dialog = page.get_by_role("dialog", name="Reschedule a Callback")
    choose_slot(dialog, chosen, "America/New_York", "UTC").click()
    expect(dialog).to_be_hidden()

    history = page.get_by_role("region", name="Case History")
    expect(history).to_contain_text("You rescheduled the callback for ")
    expect(history).not_to_contain_text("personal")
    assert desktop.callback(created["id"])["state"] == "scheduled"
    waiting = {str(c["id"]): c for c in supervisor_callbacks(desktop, "cards")}
    assert waiting[created["id"]]["reserved_for"] is None, waiting


def test_busy_number_then_call_again(desktop: DesktopServer, open_desk: OpenDesk) -> None:
    page = open_desk("ada")
    created = desktop.ask_callback(service="cards", phone="+1 212 555 0155", name="Busy Bee")
    set_status(page, "Voice", "Ready")
    notification(page, "Busy Bee").get_by_role("button", name="Accept").click()

    expect(call_status(page)).to_contain_text("Ready to Call", timeout=SWITCH)
    expect(call_status(page)).to_contain_text("Last call: the line was busy")
    info = page.get_by_role("region", name="Callback Information")
    expect(info).to_contain_text(re.compile(r"Attempts:?\s*1 of 3"))
    history = page.get_by_role("region", name="Case History")
    expect(history).to_contain_text("Busy Bee was not reached: the line was busy.")

    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="Call", exact=True).click()
    expect(info).to_contain_text(re.compile(r"Attempts:?\s*2 of 3"), timeout=SWITCH)
    expect(history).to_contain_text("You called (212) 555-0155 (attempt 2).")
    expect(history.get_by_text("Busy Bee was not reached: the line was busy.")).to_have_count(
        2, timeout=SWITCH
    )
    expect(call_status(page)).to_contain_text("Ready to Call")
    expect(call_status(page)).to_contain_text("Last call: the line was busy")
    expect(actions.get_by_role("button", name="Call", exact=True)).to_be_enabled()

    # Done after two busy lines: the callback waits for its next attempt.
    page.get_by_role("radio", name="Follow-up needed").check()
    actions.get_by_role("button", name="Mark Done").click()
    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    callback = desktop.callback(created["id"])
    assert callback["state"] == "scheduled", callback
    assert callback["attempts"] == 2, callback
