"""The Team Communicator in the browser: search, favorites, recents, and picking from them."""

from __future__ import annotations

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


def side_panel(page: Page) -> Any:
    page.get_by_role("tablist", name="Tools").get_by_role("tab", name="Team Communicator").click()
    return page.get_by_role("tabpanel", name="Team Communicator")


def entry(scope: Any, list_name: str, text: str) -> Any:
    return scope.get_by_role("list", name=list_name).get_by_role("listitem").filter(has_text=text)


def test_search_shows_agents_routing_points_and_contacts(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    bob = open_desk("bob")
    set_status(bob, "Voice", "Not Ready — Lunch")
    expect(bob.get_by_label("Voice status")).to_have_value("not_ready:lunch")
    # The request files Dana Reyes in the contact directory; nobody is Ready, so it waits.
    desktop.ask_callback(service="cards", phone="+1 212 555 0123", name="Dana Reyes")

    ada = open_desk("ada")
    panel = side_panel(ada)
    expect(panel).to_contain_text("Type to search. Your favorites and recent targets appear here.")
    search = panel.get_by_label("Team Communicator search")

    search.fill("bob")
    agent = entry(panel, "Search results", "Bob Marley")
    expect(agent).to_contain_text("Agent")
    expect(agent).to_contain_text(
        "Voice: Not Ready (Lunch), Web Callback: Not Ready (Just signed in)"
    )
    # Outside a call's Transfer / Conference / Consultation dialog there is nothing to pick:
    # the star is the only button.
    expect(agent.get_by_role("button")).to_have_count(1)
    expect(agent.get_by_role("button", name="Add Bob Marley to favorites")).to_be_visible()

    search.fill("1001")  # a place: Ada herself, Ready on nothing yet
    me = entry(panel, "Search results", "Ada Lovelace")
    expect(me).to_contain_text("Voice: Not Ready (Just signed in)")
    expect(entry(panel, "Search results", "Bob Marley")).to_have_count(0)

    search.fill("investigation")
    point = entry(panel, "Search results", "fraud-desk")
    expect(point).to_contain_text("Routing point")
    expect(point).to_contain_text("Fraud investigation team")

    search.fill("dana")
    contact = entry(panel, "Search results", "Dana Reyes")
    expect(contact).to_contain_text("Contact")
    expect(contact).to_have_count(1)

    search.fill("nobody-at-all")
    expect(panel).to_contain_text("Nothing matches “nobody-at-all”.")
    expect(panel.get_by_role("list", name="Search results").get_by_role("listitem")).to_have_count(
        0
    )


def test_favorites_and_recents(desktop: DesktopServer, open_desk: OpenDesk) -> None:
    ada = open_desk("ada")
    panel = side_panel(ada)
    search = panel.get_by_label("Team Communicator search")

    search.fill("fraud")
    add = panel.get_by_role("button", name="Add fraud-desk to favorites")
    expect(add).to_have_text("☆")
    expect(add).to_have_attribute("aria-pressed", "false")
    add.click()
    remove = panel.get_by_role("button", name="Remove fraud-desk from favorites")
    expect(remove).to_have_text("★")
    expect(remove).to_have_attribute("aria-pressed", "true")

    search.fill("")
    favorite = entry(panel, "Favorites and recents", "fraud-desk")
    expect(favorite).to_contain_text("Favorite")
    expect(
        panel.get_by_role("list", name="Favorites and recents").get_by_role("listitem")
    ).to_have_count(1)

    # A call: consult the favorite, picked without typing anything.
    desktop.ask_callback(service="cards", phone="+1 212 555 0128", name="Ravi Shah")
    set_status(ada, "Voice", "Ready")
    notification(ada, "Ravi Shah").get_by_role("button", name="Accept").click()
    status = call_status(ada)
    expect(status).to_contain_text("Connected", timeout=SWITCH)
    actions = ada.get_by_role("toolbar", name="Call Actions")

    actions.get_by_role("button", name="Start Consultation").click()
    dialog = ada.get_by_role("dialog", name="Start Consultation")
    expect(entry(dialog, "Favorites and recents", "fraud-desk")).to_contain_text("Favorite")
    dialog.get_by_role("button", name="Consult fraud-desk").click()
    expect(dialog).to_be_hidden()
    consultation = ada.get_by_role("region", name="Consultation")
    end = consultation.get_by_role("button", name="End Consultation")
    expect(consultation.get_by_role("button", name="Complete Conference")).to_be_visible(
        timeout=SWITCH
    )
    end.click()
    expect(consultation).to_be_hidden(timeout=SWITCH)
    expect(status).to_contain_text("Connected", timeout=SWITCH)

    # A number typed in an Instant Call Conference becomes a recent.
    actions.get_by_role("button", name="Instant Call Conference").click()
    dialog = ada.get_by_role("dialog", name="Instant Call Conference")
    dialog.get_by_label("Team Communicator search").fill("+1 212 555 0101")
    dialog.get_by_role("button", name="Conference the number typed").click()
    expect(dialog).to_be_hidden()
    expect(status).to_contain_text("With: (212) 555-0101", timeout=SWITCH)

    # Both targets now show with no query: fraud-desk once (a favorite), the number as a recent.
    rows = panel.get_by_role("list", name="Favorites and recents").get_by_role("listitem")
    # The services' regions differ: outside a call, numbers are international.
    expect(entry(panel, "Favorites and recents", "+1 212 555 0101")).to_contain_text("Recent")
    expect(entry(panel, "Favorites and recents", "fraud-desk")).to_contain_text("Favorite")
    expect(rows).to_have_count(2)

    # Without the star, fraud-desk is still a recent target.
    panel.get_by_role("button", name="Remove fraud-desk from favorites").click()
    expect(entry(panel, "Favorites and recents", "fraud-desk")).to_contain_text("Recent")
    expect(panel.get_by_role("button", name="Add fraud-desk to favorites")).to_have_text("☆")
    expect(rows).to_have_count(2)

    actions.get_by_role("button", name="End Call").click()
    expect(status).to_contain_text("Ready to Call", timeout=SWITCH)
    ada.get_by_role("radio", name="Resolved on this call").check()
    actions.get_by_role("button", name="Mark Done").click()
    expect(ada.get_by_text("No interaction on your desk")).to_be_visible()
