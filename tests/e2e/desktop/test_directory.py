"""Contact Directory, Responses with Insert, and an e-mail from the Party Action Menu, delivered
to a real SMTP server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import Inbox
from tests.e2e.desktop.conftest import (
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def inbox(desktop: DesktopServer, smtp_inbox: tuple[Inbox, int]) -> Inbox:
    """A real SMTP server; the desktop's server is restarted to use it."""
    box, port = smtp_inbox
    desktop.stop()
    desktop.settings.update(RINGBACK_SMTP_HOST="127.0.0.1", RINGBACK_SMTP_PORT=str(port))
    desktop.start()
    return box


def test_contact_response_and_email_around_a_call(
    desktop: DesktopServer, inbox: Inbox, open_desk: OpenDesk
) -> None:
    desktop.ask_callback(service="cards", phone="+1 212 555 0144", name="Jo Martin")
    page = open_desk("ada")

    # The Contact Directory: find the contact the request made, give it an e-mail address.
    page.get_by_role("tab", name="Contact Directory").click()
    tools = page.get_by_role("tabpanel", name="Contact Directory")
    tools.get_by_label("Search contacts").fill("(212) 555-0144")
    tools.get_by_role("button", name="Jo Martin").click()
    tools.get_by_role("button", name="Edit contact").click()
    tools.get_by_label("E-mail addresses (one per line)").fill("jo.martin@example.com")
    tools.get_by_role("button", name="Save contact").click()
    expect(tools.get_by_role("region", name="Contact")).to_contain_text("jo.martin@example.com")

    set_status(page, "Voice", "Ready")
    notification(page, "Jo Martin").get_by_role("button", name="Accept").click()
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)

    # Responses: the greeting with its fields filled in, inserted into the note.
    page.get_by_role("region", name="Note").get_by_role("textbox").click()
    page.get_by_role("tab", name="Responses").click()
    responses = page.get_by_role("tabpanel", name="Responses")
    responses.get_by_role("button", name="Greeting").click()
    greeting = "Hello Jo, this is Ada Lovelace from Card services."
    expect(responses.get_by_label("Text of Greeting")).to_have_text(greeting)
    responses.get_by_role("button", name="Insert").click()
    expect(page.get_by_role("region", name="Note").get_by_role("textbox")).to_have_value(greeting)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("region", name="Case History")).to_contain_text(
        f"You added a note: {greeting}"
    )

    # The Party Action Menu starts an e-mail to the contact.
    page.get_by_role("button", name="Party actions for Jo Martin").click()
    page.get_by_role("menuitem", name="Send e-mail to jo.martin@example.com").click()
    composer = page.get_by_role("dialog", name="New e-mail")
    composer.get_by_label("Subject").fill("Your new card")
    composer.get_by_label("Message").fill("Hello Jo,\n\nyour new card is on its way.\n\nAda")
    composer.get_by_role("button", name="Send e-mail").click()
    expect(composer).to_have_count(0)
    expect(page.get_by_role("region", name="Case History")).to_contain_text(
        "You sent an e-mail to jo.martin@example.com: “Your new card”.", timeout=15_000
    )
    assert [m["Subject"] for m in inbox.messages] == ["Your new card"]
    assert inbox.messages[0]["To"] == "jo.martin@example.com"

    # The contact's history holds the note and the e-mail.
    page.get_by_role("tab", name="Contact Directory").click()
    tools.get_by_label("Search contacts").fill("Martin")
    tools.get_by_role("button", name="Jo Martin").click()
    history = tools.get_by_role("list", name="Contact history")
    expect(history).to_contain_text(greeting)
    expect(history).to_contain_text("Your new card")
