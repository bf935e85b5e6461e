"""The supervisor page: queues moving and coloured by their thresholds, notices, charts of the
last hours, waiting callbacks filtered, sorted, paged, cancelled and reprioritised, agents."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.desktop.conftest import (
    DESKTOP_CONFIG,
    DesktopServer,
    OpenDesk,
    notification,
    set_status,
)
from tests.e2e.desktop.test_api_docs import WATCH_VIOLATIONS

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Card services is watched closely: a warning once its oldest callback waits 3 s, a breach at
# 6 s, so a test sees a queue cross both within its own time.
WATCHED_CONFIG = DESKTOP_CONFIG.replace(
    'name = "cards"\ndisplay_name = "Card services"\n',
    'name = "cards"\ndisplay_name = "Card services"\n'
    "thresholds = { oldest_wait_warning_seconds = 3, oldest_wait_breach_seconds = 6 }\n",
)
assert WATCHED_CONFIG != DESKTOP_CONFIG
DASH = "\u2013"  # the page writes ranges and its title with an en dash


@pytest.fixture
def desktop_config() -> str:
    """Card services' thresholds set low."""
    return WATCHED_CONFIG


def queue_row(page: Page, name: str) -> object:
    return page.get_by_role("table", name="Queues").get_by_role("row", name=name)


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
    # Nor does the page ask the supervisor API for what Bob may not read, from its first load.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("This page is for supervisors")
    page.wait_for_load_state("networkidle")
    assert any("/api/v1/workspace/me" in url for url in asked), asked
    assert not [url for url in asked if "/api/v1/workspace/supervisor/" in url]


def test_the_waiting_list_is_filtered_sorted_paged_and_explains_priorities(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    for n in range(26):
        desktop.ask_callback(service="cards", phone=f"+1 212 555 02{n:02d}", name=f"Caller {n:02d}")
    desktop.ask_callback(service="quick", phone="+44 20 7946 0301", name="Quick Asker")
    soon = (datetime.now(UTC) + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    desktop.ask_callback(
        service="cards",
        phone="+1 212 555 0299",
        name="Later Caller",
        type="scheduled",
        desired_time=soon.isoformat(),
    )
    page = open_desk("sue", path="/supervisor")
    waiting = page.get_by_role("table", name="Waiting callbacks")
    pages = page.get_by_role("navigation", name="Pages of waiting callbacks")

    # 28 not yet taken, 25 to a page, longest waiting first.
    expect(pages.get_by_role("status")).to_have_text(f"1{DASH}25 of 28")
    expect(waiting.get_by_role("row")).to_have_count(26)  # with the header row
    expect(waiting.get_by_role("row").nth(1)).to_contain_text("Caller 00")
    pages.get_by_role("button", name="Next page").click()
    expect(pages.get_by_role("status")).to_have_text(f"26{DASH}28 of 28")
    expect(waiting).to_contain_text("Later Caller")
    expect(pages.get_by_role("button", name="Next page")).to_be_disabled()
    pages.get_by_role("button", name="Previous page").click()
    expect(pages.get_by_role("status")).to_have_text(f"1{DASH}25 of 28")

    # Each queued callback says how its priority came about: the service's 50, plus its aging.
    first = waiting.get_by_role("row", name=re.compile("Caller 00"))
    why = first.locator("[data-column=effective-priority]")
    expect(why).to_have_text(re.compile(r"^Now \d+ = 50 \+ \d+ for \d+ (s|min) waiting$"))
    assert "plus 1 point for each minute in the queue" in (why.get_attribute("title") or "")

    filters = page.get_by_role("search", name="Filter the waiting callbacks")
    filters.get_by_label("State").select_option(label="Scheduled")
    expect(pages.get_by_role("status")).to_have_text(f"1{DASH}1 of 1")
    expect(waiting.get_by_role("row", name=re.compile("Later Caller"))).to_contain_text("Scheduled")
    filters.get_by_label("State").select_option(label="All not yet taken")
    filters.get_by_label("Service").select_option(label="Quick line")
    expect(pages.get_by_role("status")).to_have_text(f"1{DASH}1 of 1")
    expect(waiting).to_contain_text("Quick Asker")
    expect(waiting).not_to_contain_text("Caller 00")
    filters.get_by_label("Service").select_option(label="All services")
    filters.get_by_label("Waiting longer than").select_option(label="1 h")
    expect(page.get_by_text("No waiting callback matches these filters.")).to_be_visible()
    filters.get_by_label("Waiting longer than").select_option(label="Any time")
    expect(pages.get_by_role("status")).to_have_text(f"1{DASH}25 of 28")

    # Raised to 100, one of the last to ask comes first in routing's order.
    page.get_by_label("Priority of Caller 24").fill("100")
    waiting.get_by_role("row", name=re.compile("Caller 24")).get_by_role(
        "button", name="Set"
    ).click()
    filters.get_by_label("Sort by").select_option(label="Priority (routing's order)")
    expect(waiting.get_by_role("row").nth(1)).to_contain_text("Caller 24")
    expect(
        waiting.get_by_role("row").nth(1).locator("[data-column=effective-priority]")
    ).to_contain_text("= 100 + ")
    filters.get_by_label("Sort by").select_option(label="Most recent first")
    expect(waiting.get_by_role("row").nth(1)).to_contain_text("Later Caller")
    # Words, never codes: no state or service code shows in the list or its filters.
    for code in ("queued", "scheduled", "cards", "quick"):
        expect(page.locator("main, .supervisor").first).not_to_contain_text(
            re.compile(rf"\b{code}\b")
        )


def test_a_queue_over_its_thresholds_is_coloured_and_raises_a_notice(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("sue", path="/supervisor")
    cards = page.get_by_role("table", name="Queues").get_by_role("row", name="Card services")
    expect(cards).to_have_attribute("data-level", "ok")
    expect(cards.locator("[data-column=status]")).to_have_text("OK")
    desktop.ask_callback(service="cards", phone="+1 212 555 0311", name="Patient Caller")

    expect(cards).to_have_attribute("data-level", "warning")
    notice = page.get_by_role("alert").filter(has_text="Card services needs attention")
    expect(notice).to_contain_text(re.compile(r"Oldest wait \d+ s \(warning at 3 s\)"))
    expect(cards).to_have_attribute("data-level", "breach")
    expect(cards.locator("[data-column=status]")).to_contain_text("Breach")
    expect(cards.locator("[data-column=status]")).to_contain_text("(breach at 6 s)")
    breach = page.get_by_role("alert").filter(has_text="Card services is in breach")
    expect(breach).to_be_visible()
    expect(notice).to_have_count(0)  # the breach replaces the warning
    expect(page).to_have_title(f"(1) Breach {DASH} Ringback")
    assert "Oldest wait: warning at 3 s, breach at 6 s." in (
        cards.locator("[data-column=status]").get_attribute("title") or ""
    )
    quick = page.get_by_role("table", name="Queues").get_by_role("row", name="Quick line")
    expect(quick).to_have_attribute("data-level", "ok")

    breach.get_by_role("button", name="Dismiss the notice about Card services").click()
    expect(page.get_by_role("alert").filter(has_text="Card services")).to_have_count(0)
    page.wait_for_timeout(2500)  # a poll or more: a dismissed notice stays dismissed
    expect(page.get_by_role("alert").filter(has_text="Card services")).to_have_count(0)

    # Once the callback is taken the queue is OK again, and the title says so.
    ada = open_desk("ada")
    set_status(ada, "Voice", "Ready")
    notification(ada, "Patient Caller").get_by_role("button", name="Accept").click()
    expect(cards).to_have_attribute("data-level", "ok")
    expect(page).to_have_title("Ringback")


def test_live_charts_show_each_queues_last_hours(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    desktop.ask_callback(service="cards", phone="+1 212 555 0321", name="Charted Caller")
    desktop.ask_callback(service="cards", phone="+1 212 555 0322", name="Second Charted")
    violations_page = open_desk("sue", path="/supervisor", width=1920, height=1080)
    violations_page.add_init_script(WATCH_VIOLATIONS)
    violations_page.reload()
    page = violations_page
    charts = page.get_by_role("region", name="Last 4 hours")
    cards = charts.get_by_role("img", name=re.compile("^Card services, last 4 hours"))
    expect(cards).to_have_attribute(
        "aria-label",
        "Card services, last 4 hours: 2 waiting now (at most 2); 0 offered, 0 answered, 0 failed.",
    )
    box = cards.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    for name in ("Quick line", "Web enquiries", "Advice with preview"):
        expect(charts.get_by_role("img", name=re.compile(f"^{name}, last 4 hours"))).to_be_visible()
    figures = charts.get_by_role("table", name="Card services: figures")
    expect(figures.get_by_role("row")).to_have_count(49)  # 48 steps of 5 minutes, and the header
    expect(figures.get_by_role("row").last).to_contain_text(
        re.compile(r"\d\d:\d\d\s*2\s*0\s*0\s*0")
    )

    # Ada takes one: the chart counts the offer and the answered call at its next refresh.
    ada = open_desk("ada")
    set_status(ada, "Voice", "Ready")
    notification(ada, "Charted Caller").get_by_role("button", name="Accept").click()
    expect(cards).to_have_attribute(
        "aria-label",
        # At most 2 if the two asked in an earlier step of 5 minutes than the offer was made.
        re.compile(
            r"^Card services, last 4 hours: 1 waiting now \(at most [12]\); "
            r"1 offered, 1 answered, 0 failed\.$"
        ),
        timeout=25_000,
    )
    assert page.evaluate("window.violations") == []
