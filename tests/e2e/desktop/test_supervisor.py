"""The supervisor page: queues moving, waiting callbacks cancelled and reprioritised, agents."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.e2e.desktop.conftest import DesktopServer, OpenDesk, notification, set_status

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_supervisor_watches_queues_and_steers_waiting_callbacks(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    first = desktop.ask_callback(service="cards", phone="+1 212 555 0131", name="First Waiting")
    desktop.ask_callback(service="cards", phone="+1 212 555 0132", name="Second Waiting")
    third = desktop.ask_callback(service="cards", phone="+1 212 555 0133", name="Third Waiting")
    supervisor = open_desk("sue", path="/supervisor")

    cards = supervisor.get_by_role("table", name="Queues").get_by_role("row", name="Card services")
    expect(cards.locator("[data-column=waiting]")).to_have_text("3")
    waiting = supervisor.get_by_role("table", name="Waiting callbacks")
    for name in ("First Waiting", "Second Waiting", "Third Waiting"):
        expect(waiting).to_contain_text(name)
    # Services and states by their names, not their codes.
    second = waiting.get_by_role("row", name="Second Waiting")
    expect(second.get_by_role("cell").nth(0)).to_have_text("Card services")
    expect(second.get_by_role("cell").nth(1)).to_have_text("Waiting")

    # The last to ask is raised above the others, and the first is cancelled.
    supervisor.get_by_label("Priority of Third Waiting").fill("100")
    waiting.get_by_role("row", name="Third Waiting").get_by_role("button", name="Set").click()
    expect(supervisor.get_by_label("Priority of Third Waiting")).to_have_value("100")
    waiting.get_by_role("button", name="Cancel the callback for First Waiting").click()
    dialog = supervisor.get_by_role("dialog", name="Cancel the callback")
    dialog.get_by_label("Reason (optional)").fill("customer called in")
    dialog.get_by_role("button", name="Cancel the callback").click()
    expect(waiting).not_to_contain_text("First Waiting")
    expect(cards.locator("[data-column=waiting]")).to_have_text("2")
    assert desktop.callback(first["id"])["state"] == "cancelled"

    ada = open_desk("ada")
    set_status(ada, "Voice", "Ready")
    expect(notification(ada, "Third Waiting")).to_be_visible()
    expect(cards.locator("[data-column=offered]")).to_have_text("1")
    expect(cards.locator("[data-column=waiting]")).to_have_text("1")
    agents = supervisor.get_by_role("table", name="Agents")
    ada_row = agents.get_by_role("row", name="Ada Lovelace")
    expect(ada_row).to_contain_text("Third Waiting · Offered")
    expect(ada_row).to_contain_text("Not Ready (Just signed in)")  # her Web Callback channel
    expect(waiting.get_by_role("row", name="Third Waiting")).to_contain_text(
        "Offered to Ada Lovelace"
    )
    expect(agents.get_by_role("row", name="Bob Marley")).to_contain_text("Logged Out")

    notification(ada, "Third Waiting").get_by_role("button", name="Accept").click()
    expect(cards.locator("[data-column=offered]")).to_have_text("0")
    expect(ada_row).to_contain_text("Ready · Busy")
    assert desktop.callback(third["id"])["state"] in {"dialing", "connected"}


def test_an_agent_without_the_role_is_told_the_page_is_for_supervisors(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("bob", path="/supervisor")
    expect(page.get_by_role("alert")).to_contain_text("This page is for supervisors")
