"""Voice callbacks in the browser: notification, Accept, call actions, disposition, Mark Done."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Route, expect
from tests.e2e.desktop.conftest import (
    ARTIFACTS,
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_voice_callback_from_notification_to_mark_done(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    desktop.ask_callback(
        service="cards",
        phone="+1 212 555 0123",
        name="Dana Reyes",
        data={"card_last4": "4417", "reason": "card stolen"},
        instructions="Verify identity with date of birth.",
    )
    set_status(page, "Voice", "Ready")

    offer = notification(page, "Dana Reyes")
    expect(offer).to_be_visible()
    expect(offer.get_by_role("timer", name="Time left to answer")).to_have_text(
        re.compile(r"0:[0-3]\d")
    )
    expect(offer).to_contain_text("returned to the queue, and your status becomes Not Ready")
    offer.get_by_role("button", name="Accept").click()

    info = page.get_by_role("region", name="Callback Information")
    expect(info).to_contain_text("Immediate")
    expect(info).to_contain_text(re.compile(r"Customer: .*GMT-5|Customer: .*EST"))
    case = page.get_by_role("region", name="Case Information")
    expect(case).to_contain_text("card stolen")
    expect(case).to_contain_text("Verify identity with date of birth.")
    # cards is a US service: national format
    expect(call_status(page)).to_contain_text("(212) 555-0123")
    expect(call_status(page)).to_contain_text(re.compile("Dialing|Ringing|Connected"))
    expect(call_status(page)).to_contain_text("Connected")

    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="Hold").click()
    expect(call_status(page)).to_contain_text("On Hold")
    actions.get_by_role("button", name="Resume").click()
    expect(call_status(page)).to_contain_text("Connected")

    actions.get_by_role("button", name="Send DTMF").click()
    keypad = page.get_by_role("dialog", name="Send DTMF")
    for key in "4417":
        keypad.get_by_role("button", name=key, exact=True).click()
    keypad.get_by_role("button", name="#", exact=True).click()
    expect(keypad.get_by_label("Digits")).to_have_value("4417#")
    keypad.get_by_role("button", name="Send").click()
    history = page.get_by_role("region", name="Case History")
    expect(history).to_contain_text("The digits 4417# were sent on the call.")

    page.get_by_role("region", name="Note").get_by_role("textbox").fill(
        "Card stolen on the subway."
    )
    page.get_by_role("button", name="Add note").click()
    expect(history).to_contain_text("You added a note: Card stolen on the subway.")

    actions.get_by_role("button", name="End Call").click()
    expect(call_status(page)).to_contain_text("Ready to Call")
    mark_done = actions.get_by_role("button", name="Mark Done")
    expect(mark_done).to_be_disabled()
    expect(mark_done).to_have_accessible_description(
        "Mark Done needs a disposition code for Card services: choose one under Dispositions."
    )
    dispositions = page.get_by_role("region", name="Dispositions")
    expect(dispositions).to_contain_text("Mark Done needs a disposition code.")  # one wording

    page.get_by_role("radio", name="Resolved on this call").check()
    expect(dispositions).to_contain_text("Chosen: Resolved on this call.")
    expect(mark_done).to_be_enabled()
    # The case history reads as a colleague would write it: no logins, addresses or codes.
    for sentence in (
        "Offered to you.",
        "You accepted the offer.",
        "You called (212) 555-0123 (attempt 1).",
        "Dana Reyes answered.",
        "You put the call on hold.",
        "Dana Reyes was put on hold.",
        "You resumed the call.",
        "You ended the call.",
        "You chose the disposition “Resolved on this call”.",
    ):
        expect(history).to_contain_text(sentence)
    for raw in ("switch", "routing", "place:", "ada ", "resolved.first-call", "_"):
        expect(history).not_to_contain_text(raw)
    mark_done.click()

    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    expect(page.get_by_label("Voice status")).to_have_value("after_call_work")
    expect(page.get_by_label("Voice status")).to_have_value("ready", timeout=10_000)

    page.get_by_role("tab", name="My History").click()
    expect(page.get_by_role("table", name="My History")).to_contain_text("Dana Reyes")
    expect(page.get_by_role("table", name="My History")).to_contain_text("Resolved on this call")
    expect(page.get_by_role("table", name="My History")).to_contain_text("Done · Completed")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_the_desk_fits_common_screens(
    desktop: DesktopServer, open_desk: OpenDesk, width: int, height: int
) -> None:
    page = open_desk("ada", width=width, height=height)
    desktop.ask_callback(service="cards", phone="+1 212 555 0125", name="Wide Screen")
    set_status(page, "Voice", "Ready")
    notification(page, "Wide Screen").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}x{height}"
    for region in ("Call Actions", "Call Status"):
        box = page.get_by_label(region, exact=True).bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= height, f"{region} is below the fold"
    assert page.get_by_role("button", name="Sign out").bounding_box() is not None


def test_call_status_times_the_call_and_the_hold(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    desktop.ask_callback(service="cards", phone="+1 212 555 0124", name="Tim Keeper")
    set_status(page, "Voice", "Ready")
    notification(page, "Tim Keeper").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)

    call_time = page.get_by_role("timer", name="Call time")
    expect(call_time).to_have_text(re.compile(r"^0:0[0-2]$"))
    expect(call_time).to_have_text(re.compile(r"^0:0[3-9]$"))  # it ticks
    # Not a live region, nor inside one: a screen reader is not told every second.
    assert call_time.evaluate(
        "t => t.closest('[aria-live], [role=status], [role=alert], [role=log]') === null"
        " && t.getAttribute('aria-live') === null"
    )

    # A note moves the interaction's updated_at, not the call's start; a reload keeps the time.
    page.get_by_role("region", name="Note").get_by_role("textbox").fill("Still talking.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("region", name="Case History")).to_contain_text("Still talking.")
    page.reload()
    expect(page.get_by_role("timer", name="Call time")).to_have_text(re.compile(r"^0:0[3-9]$"))

    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="Hold").click()
    expect(call_status(page)).to_contain_text("On Hold")
    hold_time = page.get_by_role("timer", name="Hold time")
    expect(hold_time).to_have_text(re.compile(r"^0:0[0-2]$"))
    expect(hold_time).to_have_text(re.compile(r"^0:0[2-9]$"))
    call, hold = (
        sum(int(part) * 60**i for i, part in enumerate(reversed(timer.inner_text().split(":"))))
        for timer in (page.get_by_role("timer", name="Call time"), hold_time)
    )
    assert call > hold + 2, (call, hold)  # the call began before the hold
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "call-status-on-hold.png")
    actions.get_by_role("button", name="Resume").click()
    expect(call_status(page)).to_contain_text("Connected")
    expect(hold_time).to_have_count(0)
    actions.get_by_role("button", name="End Call").click()
    expect(call_status(page)).to_contain_text("Ready to Call")
    expect(page.get_by_role("timer", name="Call time")).to_have_count(0)


def test_numbers_read_as_people_write_them_and_stay_inside_their_cards(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    # quick is a British service: a British number is national, any other one international.
    desktop.ask_callback(service="quick", phone="+49 1511 2345678")
    set_status(page, "Voice", "Ready")
    offer = notification(page, "1511")
    expect(offer.get_by_role("heading")).to_have_text("Voice Callback: +49 1511 2345678")
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", name="Voice Callback: +49 1511 2345678")).to_be_visible()
    expect(page.get_by_role("tab", name=re.compile(r"^\+49 1511 2345678"))).to_be_visible()
    expect(call_status(page)).not_to_contain_text("null")  # no name given, no "null"
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)
    # Spaced for reading, a long number wraps instead of running out of its card.
    overflowing = page.evaluate(
        "[...document.querySelectorAll('.panel, .call-bar')]"
        ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.getAttribute('aria-label'))"
    )
    assert overflowing == [], overflowing

    desktop.ask_callback(service="quick", phone="+44 20 7946 0142", name="Gwen Price")
    # Ada is busy: Bob takes the next one.
    bob = open_desk("bob")
    set_status(bob, "Voice", "Ready")
    offer = notification(bob, "Gwen Price")
    expect(offer).to_contain_text("020 7946 0142")
    offer.get_by_role("button", name="Accept").click()
    expect(bob.get_by_role("heading", name="Voice Callback: Gwen Price")).to_be_visible()
    expect(call_status(bob)).to_contain_text("020 7946 0142")


def test_a_disposition_chosen_while_end_call_is_on_its_way_is_kept(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    desktop.ask_callback(service="cards", phone="+1 212 555 0123", name="Dana Reyes")
    set_status(page, "Voice", "Ready")
    notification(page, "Dana Reyes").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)

    # End Call's answer is held back (a slow network or a busy node): the desk is still
    # sending it when the agent picks the outcome.
    held: list[Route] = []
    page.route("**/end-call", lambda route: held.append(route))
    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="End Call").click()
    expect(actions).to_have_attribute("aria-busy", "true")
    follow_up = page.get_by_role("radio", name="Follow-up needed")
    follow_up.check()
    expect(follow_up).to_be_checked()
    assert len(held) == 1
    held[0].continue_()

    # Sent once End Call was answered: the server has it, and Mark Done can complete the case.
    dispositions = page.get_by_role("region", name="Dispositions")
    expect(dispositions).to_contain_text("Chosen: Follow-up needed.")
    expect(follow_up).to_be_checked()
    mark_done = actions.get_by_role("button", name="Mark Done")
    expect(mark_done).to_be_enabled()
    mark_done.click()
    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
