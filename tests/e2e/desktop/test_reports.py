"""The reports page: a supervisor reads stored history as charts and tables, filters it, changes
the range, downloads CSV, prints; by keyboard alone too. Anyone else is refused."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.desktop.conftest import ARTIFACTS, DesktopServer, OpenDesk
from tests.e2e.desktop.test_api_docs import WATCH_VIOLATIONS
from tests.reports.conftest import Story, agent_ids, service_ids

from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

S, E = CallbackState, CallbackEvent
NEW_YORK = "America/New_York"  # Card services' zone, and the supervisor's browser's


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)  # 1 June 2026 is a Monday


async def _june_story(database_url: str) -> None:
    """Card services on Monday 1 and Tuesday 2 June 2026 (New York: UTC-4), Quick line once.

    Monday: one asked at 10:00, dialled by Ada, answered, completed in 15 minutes (resolved on
    the call); one asked at 11:00, dialled by Bob, not answered, failed (follow-up).
    Tuesday: one cancelled by its customer; one completed by Ada in 8 minutes (resolved).
    Quick line (London), Tuesday: one asked that expired."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            services = await service_ids(session)
            agents = await agent_ids(session)
        cards, quick = services["cards"], services["quick"]
        story = Story()

        def dialled(
            callback: Any,
            agent: str,
            dial: datetime,
            end: datetime,
            result: str,
            code: str,
        ) -> None:
            story.interaction(
                callback,
                agents[agent],
                offered_at=dial,
                accepted_at=dial,
                ended_at=end,
                disposition=code,
                history=[(dial, "dial_result", {"result": result})],
            )

        first = story.callback(
            *cards, created_at=utc(1, 14), state=S.COMPLETED, attempts=1, contacted_at=utc(1, 14, 6)
        )
        story.event(first, utc(1, 14, 5), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
        story.event(first, utc(1, 14, 6), E.CONNECT, S.DIALING, S.CONNECTED, actor="switch")
        story.event(first, utc(1, 14, 20), E.COMPLETE, S.CONNECTED, S.COMPLETED, actor="ada")
        dialled(first, "ada", utc(1, 14, 5), utc(1, 14, 20), "answered", "resolved.first-call")

        second = story.callback(
            *cards, created_at=utc(1, 15), state=S.FAILED, attempts=1, last_result="no_answer"
        )
        story.event(second, utc(1, 15, 10), E.DIAL, S.ACCEPTED, S.DIALING, actor="bob")
        story.event(second, utc(1, 15, 11), E.NO_CONTACT, S.DIALING, S.ACCEPTED, actor="switch")
        story.event(second, utc(1, 15, 30), E.FAIL, S.ACCEPTED, S.FAILED, actor="bob")
        dialled(second, "bob", utc(1, 15, 10), utc(1, 15, 30), "no_answer", "follow-up")

        third = story.callback(*cards, created_at=utc(2, 13), state=S.CANCELLED)
        story.event(third, utc(2, 13, 30), E.CANCEL, S.QUEUED, S.CANCELLED, actor="customer")

        fourth = story.callback(
            *cards, created_at=utc(2, 16), state=S.COMPLETED, attempts=1, contacted_at=utc(2, 16, 3)
        )
        story.event(fourth, utc(2, 16, 2), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
        story.event(fourth, utc(2, 16, 3), E.CONNECT, S.DIALING, S.CONNECTED, actor="switch")
        story.event(fourth, utc(2, 16, 10), E.COMPLETE, S.CONNECTED, S.COMPLETED, actor="ada")
        dialled(fourth, "ada", utc(2, 16, 2), utc(2, 16, 10), "answered", "resolved")

        lapsed = story.callback(*quick, created_at=utc(2, 10), state=S.EXPIRED)
        story.event(lapsed, utc(2, 12), E.EXPIRE, S.QUEUED, S.EXPIRED, actor="scheduler")
        await story.write(db)
    finally:
        await db.dispose()


def write_june_story(desktop: DesktopServer) -> None:
    # Playwright's sync API keeps an event loop in this thread: write from another one.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(asyncio.run, _june_story(desktop.database_url)).result()


def cells(row: Any) -> list[str]:
    return [text.strip() for text in row.get_by_role("cell").all_inner_texts()]


def show_june(page: Page) -> None:
    page.get_by_label("From", exact=True).fill("2026-06-01")
    page.get_by_label("To", exact=True).fill("2026-06-02")


def test_a_supervisor_reads_filters_downloads_and_prints_the_reports(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    write_june_story(desktop)
    page = open_desk("sue", path="/supervisor", timezone_id=NEW_YORK, width=1440, height=900)
    page.add_init_script(WATCH_VIOLATIONS)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Reports").click()
    expect(page).to_have_url(f"{desktop.url}/reports")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    # The last seven days by default: nothing happened in them.
    expect(page.get_by_role("button", name="Last 7 days")).to_have_attribute("aria-pressed", "true")
    callbacks = page.locator("section[data-report=callbacks]")
    expect(
        callbacks.get_by_text("Nothing to show for this range and these filters.")
    ).to_be_visible()

    show_june(page)
    expect(page.get_by_role("button", name="Last 7 days")).to_have_attribute(
        "aria-pressed", "false"
    )
    # All services, whose zones differ: the supervisor's own zone names the days.
    expect(page.get_by_test_id("report-scope")).to_contain_text(f"times in {NEW_YORK}")
    outcomes = page.get_by_role("table", name="Requests and outcomes")
    monday = outcomes.get_by_role("row", name=re.compile("^Mon 1 Jun"))
    tuesday = outcomes.get_by_role("row", name=re.compile("^Tue 2 Jun"))
    # Requested, completed, failed, cancelled, expired, still waiting.
    expect(monday.get_by_role("cell")).to_have_text(["2", "1", "1", "0", "0", "0"])
    expect(tuesday.get_by_role("cell")).to_have_text(["3", "1", "0", "1", "1", "0"])
    expect(outcomes.get_by_role("row", name=re.compile("^Total")).get_by_role("cell")).to_have_text(
        ["5", "2", "1", "1", "1", "0"]
    )
    chart = callbacks.get_by_role("img", name=re.compile("^Bar chart of callbacks per day"))
    expect(chart).to_have_attribute(
        "aria-label",
        re.compile("5 requested, 2 completed, 1 failed, 1 cancelled, 1 expired in all"),
    )
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150

    expect(callbacks).to_contain_text(
        "1 dial per completed callback. The customer was reached on 67 % of the callbacks that "
        "ended after a dial."
    )
    # Waits from the request: Monday's first dials after 5 and 10 minutes.
    waits = page.get_by_role("table", name="Waits")
    expect(
        waits.get_by_role("row", name=re.compile("^Mon 1 Jun")).get_by_role("cell")
    ).to_have_text(["2", "5 min", "10 min", "5 min", "10 min"])

    handling = page.get_by_role("table", name="Handling per agent")
    expect(
        handling.get_by_role("row", name=re.compile("^Ada Lovelace")).get_by_role("cell")
    ).to_have_text(["2", "11 min 30 s", "8 min", "15 min", "0 s", "—"])
    expect(
        handling.get_by_role("row", name=re.compile("^Bob Marley")).get_by_role("cell")
    ).to_have_text(["1", "20 min", "20 min", "20 min", "0 s", "—"])
    dispositions = page.get_by_role("table", name="Dispositions")
    expect(dispositions.locator("tr[data-code=resolved] td")).to_have_text(["1", "2"])
    expect(dispositions.locator("tr[data-code='resolved.first-call']")).to_have_attribute(
        "data-depth", "1"
    )
    expect(dispositions.locator("tr[data-code='follow-up'] td")).to_have_text(["1", "1"])

    heat = page.get_by_role("table", name="Answer rate by hour and weekday")
    heat_monday = heat.get_by_role("row", name=re.compile("^Monday"))
    expect(heat_monday.locator("td[data-hour='10']")).to_have_text("100 % (1 of 1 answered)")
    expect(heat_monday.locator("td[data-hour='11']")).to_have_text("0 % (0 of 1 answered)")
    expect(
        heat.get_by_role("row", name=re.compile("^Tuesday")).locator("td[data-hour='12']")
    ).to_have_text("100 % (1 of 1 answered)")

    # One service: its own zone, and the other service's expired callback is gone.
    page.get_by_role("search", name="Report filters").get_by_label("Service").select_option(
        label="Card services"
    )
    expect(tuesday.get_by_role("cell")).to_have_text(["2", "1", "0", "1", "0", "0"])
    expect(page.get_by_test_id("report-scope")).to_contain_text("Card services")

    # Hour by hour: Monday 10:00 and 11:00 in New York hold the two requests.
    page.get_by_label("Step").select_option(label="Hour")
    expect(
        outcomes.get_by_role("row", name=re.compile("^Mon 1 Jun, 10:00")).get_by_role("cell").first
    ).to_have_text("1")
    expect(
        outcomes.get_by_role("row", name=re.compile("^Mon 1 Jun, 11:00")).get_by_role("cell")
    ).to_have_text(["1", "0", "1", "0", "0", "0"])
    expect(outcomes.locator("tbody tr")).to_have_count(48)

    # The CSV carries the same filters and the API's columns.
    with page.expect_download() as download:
        callbacks.get_by_role("link", name="Download CSV: Callbacks").click()
    assert download.value.suggested_filename == "callbacks.csv"
    text = download.value.path().read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].startswith("row,start,end,requests_total,")
    assert len(rows) == 49  # 48 hours and the total
    assert rows[10]["start"] == "2026-06-01T10:00:00-04:00" and rows[10]["requests_total"] == "1"
    assert rows[-1]["row"] == "total" and rows[-1]["requests_total"] == "4"

    # Printed: no navigation or controls, every chart and table kept.
    page.emulate_media(media="print")
    expect(page.get_by_role("search", name="Report filters")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Pages")).to_be_hidden()
    expect(callbacks.get_by_role("link", name="Download CSV: Callbacks")).to_be_hidden()
    expect(outcomes).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "reports-printed.png", full_page=True)
    page.pdf(path=ARTIFACTS / "reports-printed.pdf", print_background=True)
    page.emulate_media(media="screen")

    # A range the API refuses is told in words.
    page.get_by_label("From", exact=True).fill("2024-01-01")
    expect(callbacks.get_by_role("alert")).to_have_text("At most 400 days per report.")
    page.get_by_label("From", exact=True).fill("2026-06-03")
    expect(page.get_by_role("alert").first).to_have_text("The last day comes before the first day.")
    show_june(page)
    expect(outcomes).to_be_visible()
    assert page.evaluate("window.violations") == []


def test_the_controls_work_by_keyboard_alone(desktop: DesktopServer, open_desk: OpenDesk) -> None:
    write_june_story(desktop)
    page = open_desk("sue", path="/reports", timezone_id=NEW_YORK)

    def tab_to(name: str, *, key: str = "Tab", limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press(key)
            focused = page.evaluate(
                "(() => { const e = document.activeElement; return e.getAttribute('aria-label')"
                " || (e.labels && e.labels[0] ? e.labels[0].firstChild.textContent : '')"
                " || e.textContent; })()"
            )
            if focused.strip() == name:
                return
        raise AssertionError(f"{name} cannot be reached with {key}")

    # The services are listed once the page has read them (a person waits for them too).
    expect(page.get_by_label("Service").locator("option")).to_have_count(5)
    # Dates typed as the browser's date field takes them (month, day, year in English).
    tab_to("From")
    page.keyboard.type("06012026")
    tab_to("To")
    page.keyboard.type("06022026")
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-06-01")
    expect(page.get_by_label("To", exact=True)).to_have_value("2026-06-02")
    tab_to("Step")
    page.keyboard.press("ArrowDown")  # Day → Week
    expect(page.get_by_label("Step")).to_have_value("week")
    tab_to("Service")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Service")).to_have_value("cards")
    expect(page.get_by_test_id("report-scope")).to_contain_text("Card services")
    outcomes = page.get_by_role("table", name="Requests and outcomes")
    expect(
        outcomes.get_by_role("row", name=re.compile("^Week of 1 Jun")).get_by_role("cell")
    ).to_have_text(["4", "2", "1", "1", "0", "0"])
    tab_to("Download CSV: Callbacks")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    header = download.value.path().read_text().splitlines()[0]
    assert header.startswith("row,start,end,requests_total,")
    # The table beside the chart scrolls by keyboard too: it is a focusable region.
    tab_to(f"Requests and outcomes per week ({NEW_YORK}): table", limit=5)

    tab_to("Yesterday", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yesterday")).to_have_attribute("aria-pressed", "true")
    assert (
        page.get_by_label("From", exact=True).input_value()
        == page.get_by_label("To", exact=True).input_value()
    )
    expect(
        page.locator("section[data-report=callbacks]").get_by_text(
            "Nothing to show for this range and these filters."
        )
    ).to_be_visible()


def test_an_agent_without_the_role_is_refused_the_reports(
    desktop: DesktopServer, open_desk: OpenDesk
) -> None:
    page = open_desk("bob", path="/supervisor")
    expect(page.get_by_role("alert")).to_contain_text("This page is for supervisors")
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{desktop.url}/reports")
    expect(page.get_by_role("alert")).to_contain_text("This page is for supervisors")
    page.wait_for_load_state("networkidle")
    assert any("/api/v1/workspace/me" in url for url in asked), asked
    assert not [url for url in asked if "/api/v1/reports/" in url]
    assert not [url for url in asked if "/api/v1/workspace/supervisor/" in url]
