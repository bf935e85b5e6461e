"""A call handed to a colleague carries its work over: the receiving agent is told who and why
and reads the whole case; their own interaction, and a note they were typing, stay on screen."""

from __future__ import annotations

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


def take_call(page: Page, desktop: DesktopServer, name: str, phone: str) -> None:
    desktop.ask_callback(service="cards", phone=phone, name=name)
    set_status(page, "Voice", "Ready")
    offer = notification(page, name)
    expect(offer).to_be_visible(timeout=SWITCH)
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", name=f"Voice Callback: {name}")).to_be_visible()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)


def hand_over(page: Page, action: str, reason: str, colleague: str) -> None:
    """Pick a colleague in the Team Communicator of a toolbar button, with a reason."""
    page.get_by_role("toolbar", name="Call Actions").get_by_role("button", name=action).click()
    dialog = page.get_by_role("dialog", name=action)
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_label("Team Communicator search").fill(colleague.split()[0])
    verb = action.removeprefix("Instant Call ")
    dialog.get_by_role("button", name=f"{verb} {colleague}").click()
    expect(dialog).to_be_hidden()


def test_a_transfer_tells_who_and_why_brings_the_case_and_leaves_the_agents_own_call(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada = open_desk("ada")
    bob = open_desk("bob")
    take_call(ada, desktop, "Dana Reyes", "+1 212 555 0141")
    ada_note = ada.get_by_role("region", name="Note").get_by_role("textbox")
    ada_note.fill("Dana asks about travel insurance.")  # typed, not yet added

    take_call(bob, desktop, "Lee Park", "+1 212 555 0142")
    actions = bob.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="Hold").click()
    expect(call_status(bob)).to_contain_text("On Hold")
    actions.get_by_role("button", name="Resume").click()
    expect(call_status(bob)).to_contain_text("Connected")
    actions.get_by_role("button", name="Send DTMF").click()
    keypad = bob.get_by_role("dialog", name="Send DTMF")
    keypad.get_by_label("Digits").fill("12#")
    keypad.get_by_role("button", name="Send").click()
    bob_history = bob.get_by_role("region", name="Case History")
    expect(bob_history).to_contain_text("The digits 12# were sent on the call.", timeout=SWITCH)
    bob.get_by_role("region", name="Note").get_by_role("textbox").fill("Wants a higher limit.")
    bob.get_by_role("button", name="Add note").click()
    expect(bob_history).to_contain_text("You added a note: Wants a higher limit.")
    hand_over(bob, "Instant Call Transfer", "Limit above 5,000: please approve", "Ada Lovelace")
    expect(call_status(bob)).to_contain_text("Transferred", timeout=SWITCH)

    # Ada is told who and why; her own call and the note she was typing stay on screen.
    messages = ada.get_by_role("region", name="Messages")
    expect(messages).to_contain_text(
        "Bob Marley transferred a call with Lee Park to you: “Limit above 5,000: please approve”.",
        timeout=SWITCH,
    )
    expect(ada.get_by_role("heading", name="Voice Callback: Dana Reyes")).to_be_visible()
    expect(ada_note).to_have_value("Dana asks about travel insurance.")
    expect(ada.get_by_role("tab", name="Lee Park Voice · Connected")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    ada.screenshot(path=ARTIFACTS / "transfer-arrives-as-a-notice.png")

    messages.get_by_role("button", name="Open it").click()
    expect(ada.get_by_role("heading", name="Voice Callback: Lee Park")).to_be_visible()
    expect(ada.get_by_text("Bob Marley transferred this call to you:")).to_be_visible()
    history = ada.get_by_role("region", name="Case History")
    for sentence in (
        "Bob Marley accepted the offer.",
        "Bob Marley put the call on hold.",
        "Bob Marley resumed the call.",
        "The digits 12# were sent on the call.",
        "Bob Marley added a note: Wants a higher limit.",
        "Bob Marley transferred the call to you: “Limit above 5,000: please approve”.",
        "Bob Marley left the call with the transfer.",
        "The call came to you from Bob Marley.",
    ):
        expect(history).to_contain_text(sentence)
    expect(history).not_to_contain_text("A colleague")
    expect(ada.get_by_role("timer", name="Call time")).to_be_visible()
    ada.screenshot(path=ARTIFACTS / "transfer-received-case-history.png")

    # Back to her own call: the note is still there, to add.
    ada.get_by_role("tab", name="Dana Reyes Voice · Connected").click()
    expect(ada_note).to_have_value("Dana asks about travel insurance.")
    ada.get_by_role("button", name="Add note").click()
    expect(ada.get_by_role("region", name="Case History")).to_contain_text(
        "You added a note: Dana asks about travel insurance."
    )


def test_an_agent_brought_into_a_conference_is_told_and_wraps_up_their_part(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada = open_desk("ada")
    bob = open_desk("bob")
    take_call(ada, desktop, "Noor Haddad", "+1 212 555 0143")
    ada.get_by_role("region", name="Note").get_by_role("textbox").fill("Disputes a payment.")
    ada.get_by_role("button", name="Add note").click()
    hand_over(ada, "Instant Call Conference", "", "Bob Marley")
    expect(call_status(ada)).to_contain_text("With: Place 1002", timeout=SWITCH)

    # No reason given: Bob is told Ada's last note.
    expect(bob.get_by_role("region", name="Messages")).to_contain_text(
        "Ada Lovelace brought you into a call with Noor Haddad: “Disputes a payment”.",
        timeout=SWITCH,
    )
    expect(bob.get_by_role("heading", name="Voice Callback: Noor Haddad")).to_be_visible()
    expect(call_status(bob)).to_contain_text("In a colleague's call")
    bob_history = bob.get_by_role("region", name="Case History")
    expect(bob_history).to_contain_text("Ada Lovelace added a note: Disputes a payment.")
    expect(bob_history).to_contain_text("You joined the call at Ada Lovelace's invitation.")
    actions = bob.get_by_role("toolbar", name="Call Actions")
    expect(actions.get_by_role("button", name="End Call")).to_have_count(0)
    done = actions.get_by_role("button", name="Mark Done")
    expect(done).to_be_disabled()
    bob.get_by_role("radio", name="Follow-up needed").check()
    done.click()
    expect(bob.get_by_text("No interaction on your desk")).to_be_visible()
    # The call and the callback are still Ada's.
    expect(call_status(ada)).to_contain_text("Connected")
