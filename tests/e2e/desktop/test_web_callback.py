"""Web callbacks in the browser: the Web Callback Interaction Preview, Done without calling, and
Call, End Call, Schedule a Callback in a slot shown in the customer's and the agent's zones."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.desktop.conftest import (
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)
from tests.e2e.desktop.slots import (
    choose_slot,
    instant,
    open_slots,
    other_day_for_agent,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SWITCH = 15_000  # waits that depend on the simulated switch (and a busy machine)


def ask_web_callback(desktop: DesktopServer) -> str:
    created = desktop.ask_callback(
        service="web-enquiries",
        phone="+33 6 12 34 56 78",
        name="Camille Martin",
        data={"topic": "raise my limit", "availability": "after 6 pm"},
        instructions="Customer is travelling next week.",
    )
    return str(created["id"])


def accept_web_callback(page: Page) -> None:
    set_status(page, "Web Callback", "Ready")
    offer = notification(page, "Camille Martin")
    expect(offer).to_be_visible()
    expect(offer.get_by_role("heading")).to_have_text("Web Callback: Camille Martin")
    expect(offer).to_contain_text("raise my limit")
    expect(offer).to_contain_text("after 6 pm")
    offer.get_by_role("button", name="Accept").click()
    expect(offer).to_be_hidden()


def test_web_callback_preview_then_done_without_calling(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("ada")
    callback_id = ask_web_callback(desktop)
    accept_web_callback(page)

    expect(
        page.get_by_role("heading", name="Web Callback Interaction Preview: Camille Martin")
    ).to_be_visible()
    expect(call_status(page)).to_contain_text("Preview")

    expect(call_status(page)).to_contain_text("06 12 34 56 78")  # a French service
    case = page.get_by_role("region", name="Case Information")
    for shown in ["Topic", "raise my limit", "Availability", "after 6 pm",
                  "Customer is travelling next week."]:  # fmt: skip
        expect(case).to_contain_text(shown)
    info = page.get_by_role("region", name="Callback Information")
    expect(info).to_contain_text("Web enquiries (Web Callback)")
    expect(info).to_contain_text(re.compile(r"Attempts:?\s*0 of \d"))
    contact = page.get_by_role("region", name="Contact", exact=True)
    expect(contact).to_contain_text("No other number or e-mail")
    responses = page.get_by_role("region", name="Responses", exact=True)
    expect(responses).to_contain_text("Greeting")
    # web-enquiries has none of its own: the general ones are offered, and the agent is told.
    expect(responses).to_contain_text(
        "Web enquiries has no responses of its own. These general responses are offered on"
        " every service."
    )

    actions = page.get_by_role("toolbar", name="Call Preview Actions")
    expect(actions.get_by_role("button", name="Call", exact=True)).to_be_enabled()
    expect(actions.get_by_role("button", name="Schedule a Callback")).to_be_enabled()
    done = actions.get_by_role("button", name="Done", exact=True)
    expect(done).to_be_disabled()
    expect(done).to_have_accessible_description(
        re.compile("Done needs a disposition code for Web enquiries")
    )
    expect(page.get_by_role("region", name="Dispositions")).to_contain_text(
        "Done needs a disposition code."  # the button's name, one wording
    )
    expect(page.get_by_role("toolbar", name="Call Actions")).to_have_count(0)

    page.get_by_role("radio", name="Follow-up needed").check()
    expect(page.get_by_role("region", name="Dispositions")).to_contain_text(
        "Chosen: Follow-up needed."
    )
    expect(done).to_be_enabled()
    expect(page.get_by_text("Done needs a disposition code")).to_be_hidden()
    done.click()

    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Web Callback Interaction"))).to_have_count(
        0
    )
    callback = desktop.callback(callback_id)
    assert callback["state"] == "completed", callback
    assert callback["attempts"] == 0, callback


def test_web_callback_called_then_scheduled_in_a_slot(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    agent_zone = "America/Los_Angeles"
    page = open_desk("ada", timezone_id=agent_zone)
    callback_id = ask_web_callback(desktop)
    accept_web_callback(page)

    preview = page.get_by_role("toolbar", name="Call Preview Actions")
    preview.get_by_role("button", name="Call", exact=True).click()
    expect(call_status(page)).to_contain_text(re.compile("Dialing|Ringing|Connected"))
    expect(call_status(page)).to_contain_text("Connected", timeout=SWITCH)
    expect(
        page.get_by_role("heading", name="Web Callback Interaction: Camille Martin")
    ).to_be_visible()
    expect(page.get_by_role("toolbar", name="Call Preview Actions")).to_have_count(0)
    actions = page.get_by_role("toolbar", name="Call Actions")
    expect(actions.get_by_role("button", name="End Call")).to_be_visible()
    expect(actions.get_by_role("button", name="Hold")).to_be_visible()
    expect(actions.get_by_role("button", name="Call", exact=True)).to_have_count(0)
    expect(page.get_by_role("region", name="Callback Information")).to_contain_text(
        re.compile(r"Attempts:?\s*1 of \d")
    )

    actions.get_by_role("button", name="End Call").click()
    expect(call_status(page)).to_contain_text("Ready to Call", timeout=SWITCH)
    expect(actions.get_by_role("button", name="Call", exact=True)).to_be_enabled()
    expect(actions.get_by_role("button", name="End Call")).to_have_count(0)

    # An hour and a half ahead or more (still open when clicked), at an hour when it is already
    # the next day in Paris but not yet in Los Angeles: the agent's day must be named.
    slots = open_slots(desktop, "web-enquiries")
    chosen = next(s for s in slots[3:] if other_day_for_agent(s, "Europe/Paris", agent_zone))
    actions.get_by_role("button", name="Schedule a Callback").click()
    dialog = page.get_by_role("dialog", name="Schedule a Callback")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        f"in the customer's time (Europe/Paris) and yours ({agent_zone})"
    )
    # Each slot reads in both zones, and they differ (Paris is 9 hours ahead of Los Angeles).
    button = choose_slot(dialog, chosen, "Europe/Paris", agent_zone)
    expect(button).to_have_count(1)
    expect(button).to_contain_text(re.compile(r"you: \w{3} \d{1,2} \w{3}, \d\d:\d\d"))
    button.click()
    expect(dialog).to_be_hidden()

    # The new time in the agent's zone, as a colleague would write it.
    mine = instant(chosen["start"]).astimezone(ZoneInfo(agent_zone))
    expect(page.get_by_role("region", name="Case History")).to_contain_text(
        f"You rescheduled the callback for {mine:%a} {mine.day} {mine:%b}, {mine:%H:%M} GMT-"
    )
    callback = desktop.callback(callback_id)
    assert callback["state"] == "scheduled", callback
    assert callback["slot"] is not None, callback
    assert instant(callback["slot"]["start"]) == instant(chosen["start"]), (callback, chosen)
    assert instant(callback["due_at"]) == instant(chosen["start"]), (callback, chosen)

    # Scheduled elsewhere: the callback has left the agent's hands; only wrap-up is left.
    expect(actions.get_by_role("button", name="Call", exact=True)).to_have_count(0)
    expect(actions.get_by_role("button", name="Schedule a Callback")).to_have_count(0)
    mark_done = actions.get_by_role("button", name="Mark Done")
    expect(mark_done).to_be_disabled()
    page.get_by_role("radio", name="Follow-up needed").check()
    expect(mark_done).to_be_enabled()
    mark_done.click()

    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    assert desktop.callback(callback_id)["state"] == "scheduled"
