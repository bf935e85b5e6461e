"""The customer's page in Chromium: at a phone's size and a desktop's, in English and French;
moving by touch, cancelling with the keyboard alone; labels, headings, language, focus, and no
request to another site."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.e2e.desktop.conftest import ARTIFACTS, DesktopServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def contexts(browser: Browser, request: pytest.FixtureRequest) -> Iterator[list[BrowserContext]]:
    """Browser windows of this test; each page is saved as a screenshot at the end."""
    opened: list[BrowserContext] = []
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for number, context in enumerate(opened):
        for page in context.pages:
            page.screenshot(path=ARTIFACTS / f"{name}-{number}.png", full_page=True)
        context.close()


def open_page(
    browser: Browser,
    contexts: list[BrowserContext],
    url: str,
    *,
    size: dict[str, int],
    locale: str = "en-US",
    phone: bool = False,
) -> tuple[Page, list[str]]:
    """The page at ``url`` in a new window, and the list of every address it requests."""
    context = browser.new_context(
        viewport=size, locale=locale, is_mobile=phone, has_touch=phone, device_scale_factor=2
    )
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    requested: list[str] = []
    page.on("request", lambda sent: requested.append(sent.url))
    page.goto(url)
    return page, requested


def next_slot(minutes: int = 15, ahead: timedelta = timedelta(hours=2)) -> datetime:
    later = datetime.now(UTC) + ahead
    return later.replace(minute=later.minute - later.minute % minutes, second=0, microsecond=0)


def check_accessible(page: Page, language: str) -> None:
    """What a screen reader and a keyboard need, checked without any third-party tool."""
    found: dict[str, Any] = page.evaluate(
        """() => {
        const controls = [
            ...document.querySelectorAll('input:not([type=hidden]), textarea, select')];
        const unlabelled = controls
            .filter(c => c.labels.length === 0 && !c.getAttribute('aria-label'))
            .map(c => c.outerHTML);
        const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
            .map(h => Number(h.tagName[1]));
        const targets = 'main button, main a.button, .slot label, .days a';
        const small = [...document.querySelectorAll(targets)]
            .filter(e => e.getBoundingClientRect().height < 44).map(e => e.outerHTML);
        const fields = [...document.querySelectorAll('[aria-describedby]')]
            .flatMap(e => e.getAttribute('aria-describedby').split(' '))
            .filter(id => !document.getElementById(id));
        return {
            lang: document.documentElement.lang,
            title: document.title,
            unlabelled, levels, small, fields,
            overflow: document.documentElement.scrollWidth > window.innerWidth,
        };
    }"""
    )
    assert found["lang"] == language
    assert found["title"]
    assert found["unlabelled"] == []
    levels = found["levels"]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert found["small"] == [], "targets under 44 px"
    assert found["fields"] == [], "aria-describedby names no element"
    assert not found["overflow"], "the page scrolls sideways"


def only_own_requests(requested: list[str], desktop: DesktopServer) -> None:
    assert requested and all(url.startswith(desktop.url) for url in requested), requested


def tab_to(page: Page, name: str, presses: int = 60) -> None:
    """Press Tab until the focused element is the one named ``name`` (its text or label)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
            const e = document.activeElement;
            if (!e) return null;
            return e.labels && e.labels.length ? e.labels[0].innerText : e.innerText;
        }"""
        )
        if focused and focused.strip() == name:
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name} has no visible focus"
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_moving_a_booked_callback_on_a_phone_in_english(
    browser: Browser, desktop: DesktopServer, contexts: list[BrowserContext]
) -> None:
    booked = desktop.ask_callback(
        service="cards",
        phone="+1 212 555 0142",
        type="scheduled",
        desired_time=next_slot().isoformat(),
        time_zone="America/Chicago",
        language="en-US",
        name="Grace Hopper",
    )
    page, requested = open_page(browser, contexts, booked["manage_url"], size=PHONE, phone=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your callback")
    expect(page.get_by_text("Booked: we will call you at the time below.")).to_be_visible()
    expect(page.get_by_text("Ending in 0142")).to_be_visible()
    expect(page.get_by_text("Central Time (Chicago)").first).to_be_visible()
    check_accessible(page, "en")
    days = page.get_by_role("navigation", name="Days with free times").get_by_role("link")
    days.last.tap()
    expect(days.last).to_have_attribute("aria-current", "date")
    slots = page.get_by_role("radio")
    chosen = slots.nth(3)
    start = str(chosen.get_attribute("value"))
    label = page.locator(f"label[for='{chosen.get_attribute('id')}']").inner_text()
    chosen.tap()
    expect(chosen).to_be_checked()
    page.get_by_role("button", name="Move my callback").tap()
    expect(page.get_by_role("status")).to_have_text(
        "Your callback is moved. The new time is below."
    )
    expect(page.locator("dd time").first).to_contain_text(label)
    check_accessible(page, "en")
    only_own_requests(requested, desktop)
    moved = desktop.callback(booked["id"])
    assert moved["slot"]["start"] == start.replace("+00:00", "Z")


def test_cancelling_with_the_keyboard_alone_on_a_desktop_in_french(
    browser: Browser, desktop: DesktopServer, contexts: list[BrowserContext]
) -> None:
    queued = desktop.ask_callback(
        service="quick", phone="+44 20 7946 0123", language="fr-CA", name="Camille"
    )
    page, requested = open_page(
        browser, contexts, queued["manage_url"], size=DESKTOP, locale="fr-FR"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre rappel")
    check_accessible(page, "fr")
    # A note, typed and sent from the keyboard.
    tab_to(page, "Votre note")
    page.keyboard.type("Plutôt sur mon portable, merci")
    tab_to(page, "Envoyer la note")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "Votre note est envoyée. Le conseiller la verra avant de vous appeler."
    )
    tab_to(page, "Annuler mon rappel")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler votre rappel ?")
    check_accessible(page, "fr")
    tab_to(page, "Oui, annuler mon rappel")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Votre rappel est annulé.")
    expect(page.get_by_text("Annulé : nous ne vous appellerons pas.")).to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    check_accessible(page, "fr")
    only_own_requests(requested, desktop)
    ended = desktop.callback(queued["id"])
    assert ended["state"] == "cancelled"
    assert "Plutôt sur mon portable, merci" in ended["instructions"]


def test_a_link_that_does_not_work_in_the_browsers_language(
    browser: Browser, desktop: DesktopServer, contexts: list[BrowserContext]
) -> None:
    queued = desktop.ask_callback(service="quick", phone="+44 20 7946 0124")
    tampered = queued["manage_url"][:-2] + (
        "AA" if not queued["manage_url"].endswith("AA") else "BB"
    )
    page, requested = open_page(browser, contexts, tampered, size=PHONE, locale="fr-FR", phone=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien ne fonctionne pas")
    check_accessible(page, "fr")
    only_own_requests(requested, desktop)
