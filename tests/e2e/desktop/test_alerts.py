"""Offers the agent cannot miss: the ring, the tab's title, a browser notification while the tab
is hidden, the settings that turn them on and off; and where the focus goes after Accept."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.desktop.conftest import DesktopServer, OpenDesk, notification, set_status

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Records what the desk asks of the browser: every oscillator started or stopped early, every
# notification raised (and what clicking it did); and lets the test hide the tab, which a
# headless browser never does by itself.
WATCH = """
(() => {
  const starts = (window.__ringStarts = []);
  const stops = (window.__ringStops = []);
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (when) {
    starts.push({ frequency: this.frequency.value, when: when ?? 0 });
    return start.apply(this, arguments);
  };
  const stop = OscillatorNode.prototype.stop;
  OscillatorNode.prototype.stop = function (when) {
    if (when === undefined) stops.push(this.frequency.value);
    return stop.apply(this, arguments);
  };
  window.__hidden = false;
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true,
    get: () => window.__hidden,
  });
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => (window.__hidden ? "hidden" : "visible"),
  });
  const raised = (window.__notifications = []);
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      const entry = { title, body: options && options.body, closed: false, note: this };
      raised.push(entry);
      const close = this.close.bind(this);
      this.close = () => { entry.closed = true; close(); };
    }
  };
  window.__focused = 0;
  const focus = window.focus;
  window.focus = function () { window.__focused += 1; return focus.apply(this, arguments); };
})();
"""


DASH = "\N{EN DASH}"
NOTIFY = "Show a browser notification when Ringback is not the tab in view"


def offer_title(channel: str, customer: str) -> str:
    return f"(1) Offer: {channel} {DASH} {customer} {DASH} Ringback"


def set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(
        "hidden => { window.__hidden = hidden;"
        " document.dispatchEvent(new Event('visibilitychange')); }",
        hidden,
    )


def notifications(page: Page) -> list[dict[str, Any]]:
    return list(
        page.evaluate(
            "window.__notifications.map(({ title, body, closed }) => ({ title, body, closed }))"
        )
    )


def rings(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__ringStarts"))


def open_settings(page: Page) -> Any:
    page.get_by_role("button", name="Settings").click()
    return page.get_by_role("dialog", name="Settings")


def test_an_offer_rings_shows_in_the_title_and_accept_moves_the_focus_to_the_call(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada", init_script=WATCH)
    expect(page).to_have_title("Ringback")
    desktop.ask_callback(service="cards", phone="+1 212 555 0131", name="Dana Reyes")
    set_status(page, "Voice", "Ready")

    expect(page).to_have_title(offer_title("Voice", "Dana Reyes"))
    page.wait_for_function("window.__ringStarts.length > 0")
    frequencies = {start["frequency"] for start in rings(page)}
    assert frequencies == {440, 480}, frequencies  # the phone tone, the default
    # The ring repeats until the answer: later rings are already scheduled.
    assert len({start["when"] for start in rings(page)}) > 2

    notification(page, "Dana Reyes").get_by_role("button", name="Accept").click()
    heading = page.get_by_role("heading", name="Voice Callback: Dana Reyes")
    expect(heading).to_be_focused()
    assert page.evaluate("document.activeElement.tagName") == "H2"
    expect(page).to_have_title("Ringback")
    page.wait_for_function("window.__ringStops.length > 0")  # the rings still to come are off


def test_the_ring_can_be_turned_off_or_changed_and_the_choice_is_kept(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada", init_script=WATCH)
    settings = open_settings(page)
    ring = settings.get_by_label("Ring until I answer")
    expect(ring).to_be_checked()
    ring.uncheck()
    expect(settings.get_by_label("Ring tone")).to_be_disabled()
    settings.get_by_role("button", name="Close").click()

    page.reload()  # kept in this browser
    settings = open_settings(page)
    expect(settings.get_by_label("Ring until I answer")).not_to_be_checked()
    settings.get_by_role("button", name="Close").click()

    desktop.ask_callback(service="cards", phone="+1 212 555 0132", name="Quiet Quinn")
    set_status(page, "Voice", "Ready")
    expect(notification(page, "Quiet Quinn")).to_be_visible()
    # The title changes in the same update that would start the ring.
    expect(page).to_have_title(offer_title("Voice", "Quiet Quinn"))
    assert rings(page) == []

    settings = open_settings(page)
    settings.get_by_label("Ring until I answer").check()  # rings at once: an offer waits
    page.wait_for_function("window.__ringStarts.some(s => s.frequency === 440)")
    settings.get_by_label("Ring tone").select_option(label="Beeps")
    page.wait_for_function("window.__ringStarts.some(s => s.frequency === 1000)")
    assert 440 in page.evaluate("window.__ringStops")  # the phone tone gave way to the beeps


def test_a_hidden_desk_raises_a_browser_notification_that_brings_it_back(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada", init_script=WATCH, permissions=["notifications"])
    settings = open_settings(page)
    settings.get_by_label(NOTIFY).check()
    expect(settings.get_by_label(NOTIFY)).to_be_checked()
    settings.get_by_role("button", name="Close").click()

    desktop.ask_callback(service="cards", phone="+1 212 555 0133", name="Hana Hidden")
    set_status(page, "Voice", "Ready")
    expect(notification(page, "Hana Hidden")).to_be_visible()
    expect(page).to_have_title(offer_title("Voice", "Hana Hidden"))
    assert notifications(page) == []  # the agent is looking at the desk

    set_hidden(page, True)  # the agent went to another tab
    page.wait_for_function("window.__notifications.length === 1")
    raised = notifications(page)[0]
    assert raised["title"] == f"Offer: Voice {DASH} Hana Hidden"
    assert "Card services" in raised["body"]
    set_hidden(page, False)
    set_hidden(page, True)
    assert len(notifications(page)) == 1  # once per offer

    page.evaluate("window.__notifications[0].note.onclick()")
    assert page.evaluate("window.__focused") == 1
    assert notifications(page)[0]["closed"]
    set_hidden(page, False)
    notification(page, "Hana Hidden").get_by_role("button", name="Accept").click()
    expect(page).to_have_title("Ringback")
