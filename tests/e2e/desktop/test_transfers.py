"""Transfers, conferences and consultations in the browser, targets chosen in the Team Communicator.

The simulated switch of DESKTOP_CONFIG: customers answer after 0.8 s; transfer targets decline
when they are `+44…` numbers, and accept after 0.8 s otherwise (agents' places, routing points,
other numbers).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.desktop.conftest import (
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SWITCH = 15_000  # ms: waits that depend on the simulated switch, on two busy cores


def connected_callback(page: Page, desktop: DesktopServer, name: str, phone: str) -> dict[str, Any]:
    """A customer asks for a callback on `cards`; the agent becomes Ready, accepts, is connected."""
    callback = desktop.ask_callback(service="cards", phone=phone, name=name)
    set_status(page, "Voice", "Ready")
    offer = notification(page, name)
    expect(offer).to_be_visible(timeout=SWITCH)
    offer.get_by_role("button", name="Accept").click()
    expect(offer).to_be_hidden()
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)
    return callback


def call_actions(page: Page) -> Any:
    return page.get_by_role("toolbar", name="Call Actions")


def team_communicator(page: Page, action: str) -> Any:
    """Open the Team Communicator dialog of a Call Actions button (Start Consultation, ...)."""
    call_actions(page).get_by_role("button", name=action).click()
    dialog = page.get_by_role("dialog", name=action)
    expect(dialog).to_be_visible()
    return dialog


def consultation(page: Page) -> Any:
    return page.get_by_role("region", name="Consultation")


def mark_done(page: Page, disposition: str = "Resolved on this call") -> None:
    """Choose a disposition (cards requires one), then Mark Done: the desk is empty again."""
    done = call_actions(page).get_by_role("button", name="Mark Done")
    expect(done).to_be_disabled()
    page.get_by_role("radio", name=disposition).check()
    expect(done).to_be_enabled()
    done.click()
    expect(page.get_by_text("No interaction on your desk")).to_be_visible()


def test_consultation_with_an_agent_completed_as_a_transfer(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada = open_desk("ada")
    bob = open_desk("bob")
    # Ada takes the callback first; Bob becomes Ready only afterwards, so routing cannot offer
    # the customer's callback to him.
    callback = connected_callback(ada, desktop, "Dana Reyes", "+1 212 555 0123")
    set_status(bob, "Voice", "Ready")
    expect(bob.get_by_label("Voice status")).to_have_value("ready")

    dialog = team_communicator(ada, "Start Consultation")
    dialog.get_by_label("Team Communicator search").fill("Bob")
    results = dialog.get_by_role("list", name="Search results")
    bob_row = results.get_by_role("listitem").filter(has_text="Bob Marley")
    expect(bob_row).to_contain_text("Agent")
    expect(bob_row).to_contain_text("Voice: Ready")
    bob_row.get_by_role("button", name="Consult Bob Marley").click()
    expect(dialog).to_be_hidden()

    panel = consultation(ada)
    expect(panel).to_contain_text("Consultation with Place 1002")
    expect(panel).to_contain_text("Calling the target")
    expect(panel.get_by_role("button", name="Complete Transfer")).to_be_hidden()
    expect(panel).to_contain_text("Connected: the customer is on hold", timeout=SWITCH)
    expect(call_status(ada)).to_contain_text("On Hold")
    # While consulting, the customer cannot be transferred or conferenced another way.
    expect(call_actions(ada).get_by_role("button", name="Instant Call Transfer")).to_be_hidden()
    expect(call_actions(ada).get_by_role("button", name="Start Consultation")).to_be_hidden()
    panel.get_by_role("button", name="Complete Transfer").click()

    expect(call_status(ada)).to_contain_text("Transferred", timeout=SWITCH)
    expect(panel).to_be_hidden()
    expect(ada.get_by_text("The customer is now with someone else")).to_be_visible()
    # Only wrap-up is left on Ada's side.
    ada_actions = call_actions(ada)
    expect(ada_actions.get_by_role("button")).to_have_count(1)
    expect(ada_actions.get_by_role("button", name="Mark Done")).to_be_visible()

    expect(bob.get_by_role("region", name="Messages")).to_contain_text(
        "Ada Lovelace transferred a call with Dana Reyes to you.", timeout=SWITCH
    )
    expect(bob.get_by_role("heading", name="Voice Callback: Dana Reyes")).to_be_visible()
    expect(call_status(bob)).to_contain_text("Connected")
    bob_history = bob.get_by_role("region", name="Case History")
    expect(bob_history).to_contain_text("Ada Lovelace completed the transfer to you.")
    expect(bob_history).to_contain_text("The call came to you from Ada Lovelace.")
    expect(bob.get_by_label("Voice status")).to_have_value("ready")

    call_actions(bob).get_by_role("button", name="End Call").click()
    expect(call_status(bob)).to_contain_text("Ready to Call", timeout=SWITCH)
    mark_done(bob)

    mark_done(ada)
    assert desktop.callback(callback["id"])["state"] == "completed"


def test_consultation_with_a_routing_point_completed_as_a_conference(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada = open_desk("ada")
    callback = connected_callback(ada, desktop, "Lee Park", "+1 212 555 0124")

    dialog = team_communicator(ada, "Start Consultation")
    dialog.get_by_label("Team Communicator search").fill("fraud")
    row = (
        dialog.get_by_role("list", name="Search results")
        .get_by_role("listitem")
        .filter(has_text="fraud-desk")
    )
    expect(row).to_contain_text("Routing point")
    expect(row).to_contain_text("Fraud investigation team")
    row.get_by_role("button", name="Consult fraud-desk").click()
    expect(dialog).to_be_hidden()

    panel = consultation(ada)
    expect(panel).to_contain_text("Consultation with Routing point fraud-desk")
    expect(panel.get_by_role("button", name="Complete Conference")).to_be_visible(timeout=SWITCH)
    expect(panel).to_contain_text("Connected: the customer is on hold")
    panel.get_by_role("button", name="Complete Conference").click()

    expect(panel).to_be_hidden(timeout=SWITCH)
    status = call_status(ada)
    expect(status).to_contain_text("With: Routing point fraud-desk")
    expect(status).not_to_contain_text("(ringing)")
    expect(status).to_contain_text("Connected")
    expect(ada.get_by_role("region", name="Case History")).to_contain_text(
        "You brought fraud-desk into the call."
    )

    call_actions(ada).get_by_role("button", name="End Call").click()
    expect(status).to_contain_text("Ready to Call", timeout=SWITCH)
    expect(status).not_to_contain_text("fraud-desk")
    mark_done(ada)
    assert desktop.callback(callback["id"])["state"] == "completed"


def test_consultation_declined_leaves_the_customer_on_hold(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada = open_desk("ada")
    connected_callback(ada, desktop, "Kim Osei", "+1 212 555 0125")

    dialog = team_communicator(ada, "Start Consultation")
    search = dialog.get_by_label("Team Communicator search")
    typed = dialog.get_by_role("button", name="Consult the number typed")
    expect(typed).to_be_disabled()
    search.fill("+44 20 7946 0958")
    typed.click()
    expect(dialog).to_be_hidden()
    expect(consultation(ada)).to_contain_text("Consultation with +44 20 7946 0958")

    # The UK number declines: the consultation closes by itself, the customer stays on hold.
    history = ada.get_by_role("region", name="Case History")
    expect(history).to_contain_text("+44 20 7946 0958 declined the consultation.", timeout=SWITCH)
    expect(consultation(ada)).to_be_hidden()
    status = call_status(ada)
    expect(status).to_contain_text("On Hold")
    actions = call_actions(ada)
    expect(actions.get_by_role("button", name="Hold")).to_be_hidden()
    actions.get_by_role("button", name="Resume").click()
    expect(status).to_contain_text("Connected", timeout=SWITCH)
    expect(actions.get_by_role("button", name="Start Consultation")).to_be_visible()

    actions.get_by_role("button", name="End Call").click()
    expect(status).to_contain_text("Ready to Call", timeout=SWITCH)
    mark_done(ada, "Follow-up needed")


def test_instant_call_transfer_to_a_routing_point(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    ada = open_desk("ada")
    callback = connected_callback(ada, desktop, "Ivo Novak", "+1 212 555 0126")

    dialog = team_communicator(ada, "Instant Call Transfer")
    expect(dialog).to_contain_text("Choose who to transfer the call to")
    dialog.get_by_label("Team Communicator search").fill("fraud")
    dialog.get_by_role("button", name="Transfer fraud-desk").click()
    expect(dialog).to_be_hidden()

    status = call_status(ada)
    expect(status).to_contain_text("With: Routing point fraud-desk (ringing)")
    expect(status).to_contain_text("Transferred", timeout=SWITCH)
    expect(ada.get_by_text("The customer is now with someone else")).to_be_visible()
    expect(call_actions(ada).get_by_role("button", name="End Call")).to_be_hidden()
    history = ada.get_by_role("region", name="Case History")
    expect(history).to_contain_text("You transferred the call to fraud-desk.")
    expect(history).to_contain_text("fraud-desk joined the call.")
    mark_done(ada)
    assert desktop.callback(callback["id"])["state"] == "completed"


def test_instant_call_conference_with_a_number(desktop: DesktopServer, open_desk: OpenDesk) -> None:
    ada = open_desk("ada")
    connected_callback(ada, desktop, "Noor Haddad", "+1 212 555 0127")

    dialog = team_communicator(ada, "Instant Call Conference")
    expect(dialog).to_contain_text("Choose who to add to the call")
    dialog.get_by_label("Team Communicator search").fill("(212) 555-0101")
    dialog.get_by_role("button", name="Conference the number typed").click()
    expect(dialog).to_be_hidden()

    status = call_status(ada)
    expect(status).to_contain_text("With: (212) 555-0101 (ringing)")
    expect(status).to_contain_text(
        re.compile(r"With: \(212\) 555-0101(?! \(ringing\))"), timeout=SWITCH
    )
    expect(status).to_contain_text("Connected")
    expect(status).to_contain_text("(212) 555-0127")  # the customer, named by the heading
    expect(ada.get_by_role("heading", name="Voice Callback: Noor Haddad")).to_be_visible()

    call_actions(ada).get_by_role("button", name="End Call").click()
    expect(status).to_contain_text("Ready to Call", timeout=SWITCH)
    expect(status).not_to_contain_text("With:")
    mark_done(ada)
