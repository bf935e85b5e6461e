"""Offers in the browser: Reject, the countdown running out, keyboard shortcuts, a page reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.e2e.desktop.conftest import (
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_rejected_callback_goes_to_another_agent(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada, bob = open_desk("ada"), open_desk("bob")
    asked = desktop.ask_callback(service="cards", phone="+1 212 555 0111", name="Rita Moreno")
    set_status(ada, "Voice", "Ready")
    notification(ada, "Rita Moreno").get_by_role("button", name="Reject").click()
    expect(notification(ada, "Rita Moreno")).to_have_count(0)

    set_status(bob, "Voice", "Ready")
    offer = notification(bob, "Rita Moreno")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Accept").click()
    expect(call_status(bob)).to_contain_text("Connected", timeout=15_000)
    # Ada stays Ready but is passed over for this callback after her Reject.
    expect(ada.get_by_label("Voice status")).to_have_value("ready")
    assert desktop.callback(asked["id"])["state"] == "connected"


def test_an_offer_left_alone_times_out_and_sets_not_ready(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    asked = desktop.ask_callback(service="quick", phone="+44 20 7946 0001", name="Tom Jones")
    set_status(page, "Voice", "Ready")
    offer = notification(page, "Tom Jones")
    expect(offer).to_contain_text("If you do nothing: returned to the queue")
    timer = offer.get_by_role("timer", name="Time left to answer")
    expect(timer).to_have_text(re.compile(r"0:0[1-5]"))

    expect(offer).to_have_count(0, timeout=15_000)
    expect(page.get_by_role("region", name="Messages")).to_contain_text(
        "You did not answer the offer for Tom Jones in time"
    )
    expect(page.get_by_label("Voice status")).to_have_value("not_ready")
    expect(page.get_by_role("region", name="My Status")).to_contain_text("Missed an offer")
    assert desktop.callback(asked["id"])["state"] == "queued"


def test_keyboard_shortcuts_handle_a_call(desktop: DesktopServer, open_desk: OpenDesk) -> None:
    page = open_desk("ada")
    desktop.ask_callback(service="quick", phone="+44 20 7946 0002", name="Kay Board")
    set_status(page, "Voice", "Ready")
    expect(notification(page, "Kay Board")).to_be_visible()
    accept = notification(page, "Kay Board").get_by_role("button", name="Accept")
    expect(accept).to_have_attribute("aria-keyshortcuts", "Control+Alt+A")
    expect(accept).to_be_focused()  # Enter or Space accepts as well

    page.keyboard.press("Control+Alt+A")
    # The notification that had the focus is gone: the call's heading takes it.
    expect(page.get_by_role("heading", name="Voice Callback: Kay Board")).to_be_focused()
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)
    page.keyboard.press("Control+Alt+H")
    expect(call_status(page)).to_contain_text("On Hold")
    page.keyboard.press("Control+Alt+H")
    expect(call_status(page)).to_contain_text("Connected")
    page.keyboard.press("Control+Alt+E")
    expect(call_status(page)).to_contain_text("Ready to Call")
    page.keyboard.press("Control+Alt+D")  # quick needs no disposition
    expect(page.get_by_text("No interaction on your desk")).to_be_visible()


def test_every_control_is_reachable_with_the_keyboard(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    desktop.ask_callback(service="quick", phone="+44 20 7946 0003", name="Tab Walker")
    set_status(page, "Voice", "Ready")
    expect(notification(page, "Tab Walker").get_by_role("button", name="Accept")).to_be_focused()
    page.keyboard.press("Enter")
    actions = page.get_by_role("toolbar", name="Call Actions")
    expect(actions.get_by_role("button", name="Hold")).to_be_visible(timeout=15_000)

    reached: set[str] = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "(e => e.type === 'radio' ? 'radio'"
                " : e.getAttribute('aria-label') || e.placeholder || e.textContent.trim())"
                "(document.activeElement)"
            )
        )
    for control in (
        "End Call",
        "Hold",
        "Instant Call Transfer",
        "Send DTMF",
        "radio",  # the disposition codes: a radio group, one Tab stop, arrows inside
        "Attach a note to the case history",
        "Team Communicator",
    ):
        assert control in reached, f"{control} cannot be reached with Tab: {sorted(reached)}"


def test_a_reload_restores_status_and_interactions(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    desktop.ask_callback(service="cards", phone="+1 212 555 0120", name="Reload Reyes")
    set_status(page, "Voice", "Ready")
    notification(page, "Reload Reyes").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)
    page.get_by_role("toolbar", name="Call Actions").get_by_role("button", name="Hold").click()
    expect(call_status(page)).to_contain_text("On Hold")

    page.reload()
    expect(call_status(page)).to_contain_text("On Hold")
    expect(page.get_by_role("heading", name="Voice Callback: Reload Reyes")).to_be_visible()
    expect(page.get_by_label("Voice status")).to_have_value("ready")
    page.get_by_role("toolbar", name="Call Actions").get_by_role("button", name="Resume").click()
    expect(call_status(page)).to_contain_text("Connected")


def test_a_lost_connection_shows_a_banner_and_resumes(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    set_status(page, "Voice", "Ready")
    desktop.stop()
    banner = page.get_by_role("alert").filter(has_text="Connection to the server lost")
    expect(banner).to_be_visible()

    desktop.start()  # same port, same database: the stream resumes after the last event
    expect(banner).to_have_count(0, timeout=15_000)
    desktop.ask_callback(service="cards", phone="+1 212 555 0121", name="After Outage")
    expect(notification(page, "After Outage")).to_be_visible()
