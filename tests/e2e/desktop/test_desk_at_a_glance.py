"""The interaction at a glance on common screens: one compact header, each of the callback's
facts once, the toolbar on one line with icons, tooltips and states in colour, and Dispositions
and Note in view during the call."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.desktop.conftest import (
    ARTIFACTS,
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SWITCH = 15_000


def connected(page: Page, desktop: DesktopServer) -> None:
    desktop.ask_callback(
        service="cards",
        phone="+1 212 555 0123",
        name="Dana Reyes",
        data={"reason": "card stolen", "card_last4": "4417", "branch": "Fifth Avenue"},
        instructions="Verify identity with date of birth before any change.",
    )
    set_status(page, "Voice", "Ready")
    notification(page, "Dana Reyes").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)


def visible_text_outside_history(page: Page) -> str:
    """What the interaction shows, less the Case History (whose sentences name the customer)."""
    return str(
        page.evaluate(
            """() => {
              const article = document.querySelector('article.interaction');
              const copy = article.cloneNode(true);
              copy.querySelectorAll('[aria-label="Case History"], .tooltip, .visually-hidden')
                .forEach((e) => e.remove());
              document.body.appendChild(copy);
              const text = copy.innerText;
              copy.remove();
              return text;
            }"""
        )
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_the_interaction_reads_at_a_glance(
    desktop: DesktopServer, open_desk: OpenDesk, width: int, height: int
) -> None:
    page = open_desk("ada", width=width, height=height)
    connected(page, desktop)
    page.get_by_role("region", name="Note").get_by_role("textbox").fill("Card kept by an ATM.")

    # Who, what and why, each once.
    shown = visible_text_outside_history(page)
    for fact in ("Dana Reyes", "(212) 555-0123", "card stolen", "4417", "Fifth Avenue",
                 "Verify identity with date of birth", "Card services"):  # fmt: skip
        assert shown.count(fact) == 1, f"{fact!r} is shown {shown.count(fact)} times:\n{shown}"
    case = page.get_by_role("region", name="Case Information")
    expect(case).to_contain_text(re.compile(r"Reason:?\s*card stolen"))
    expect(page.get_by_role("region", name="Callback Information")).to_contain_text("Immediate")

    # During the call, without scrolling: the header, the toolbar, Dispositions and Note.
    assert page.evaluate("window.scrollY") == 0
    regions = {name: page.get_by_role("region", name=name) for name in ("Case Information",
               "Callback Information", "Dispositions", "Note")}  # fmt: skip
    for name, part in {"Call Status": call_status(page), **regions}.items():
        box = part.bounding_box()
        assert box is not None, name
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{name} is out of view: {box}"
    add = page.get_by_role("button", name="Add note").bounding_box()
    assert add is not None and add["y"] + add["height"] <= height
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"

    # The toolbar: one line of icon buttons, each with its name.
    toolbar = page.get_by_role("toolbar", name="Call Actions")
    buttons = toolbar.get_by_role("button")
    names = [b.get_attribute("aria-label") for b in buttons.all()]
    assert names == [
        "End Call",
        "Hold",
        "Instant Call Transfer",
        "Instant Call Conference",
        "Start Consultation",
        "Send DTMF",
        "Reschedule a Callback",
    ], names
    tops = {round(b.bounding_box()["y"]) for b in buttons.all()}  # type: ignore[index]
    assert len(tops) == 1, f"the toolbar wraps onto {len(tops)} lines"
    for button in buttons.all():
        expect(button.locator("svg")).to_have_count(1)
        expect(button.locator(".tool-label")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"desk-{width}x{height}.png")


def test_toolbar_tooltips_show_shortcuts_and_states_have_colours(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    connected(page, desktop)
    toolbar = page.get_by_role("toolbar", name="Call Actions")

    end = toolbar.get_by_role("button", name="End Call")
    tip = end.locator(".tooltip")
    expect(tip).to_be_hidden()
    end.hover()
    expect(tip).to_be_visible()
    expect(tip).to_have_text("End CallCtrl+Alt+E")
    expect(end).to_have_attribute("aria-keyshortcuts", "Control+Alt+E")
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    # Reached with the keyboard, the tooltip shows too.
    transfer = toolbar.get_by_role("button", name="Instant Call Transfer")
    transfer.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(transfer.locator(".tooltip")).to_be_visible()
    expect(transfer.locator(".tooltip")).to_have_text("Instant Call Transfer")

    def background(name: str) -> str:
        return str(
            toolbar.get_by_role("button", name=name, exact=True).evaluate(
                "b => getComputedStyle(b).backgroundColor"
            )
        )

    plain = background("Hold")
    assert background("End Call") not in (plain, "rgb(255, 255, 255)")
    toolbar.get_by_role("button", name="Hold").click()
    expect(call_status(page)).to_contain_text("On Hold")
    # On hold: Resume stands out in the hold colour, as the On Hold badge does.
    badge = call_status(page).get_by_text("On Hold", exact=True)
    hold_colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background("Resume") == hold_colour != plain
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "desk-on-hold-toolbar.png")
