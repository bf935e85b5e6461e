"""The Reports API over real HTTP: JSON and CSV, who may read, bad input as problems."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer
from tests.e2e.workspace import AgentDesk
from tests.reports.conftest import fall_back_story, handling_story

from ringback.db import Database

pytestmark = pytest.mark.e2e

FALL_BACK = {
    "from": "2026-10-25T00:00:00+02:00",
    "to": "2026-10-26T00:00:00+01:00",
    "bucket": "hour",
    "service": "returning",
}
JUNE = {"from": "2026-06-01T00:00:00Z", "to": "2026-06-03T00:00:00Z", "service": "anytime"}


def write(server: RunningServer, story: Callable[[Database], Awaitable[None]]) -> None:
    async def run() -> None:
        db = Database(server.database_url)
        try:
            await story(db)
        finally:
            await db.dispose()

    asyncio.run(run())


@pytest.fixture
def sue(server: RunningServer) -> Iterator[httpx.Client]:
    desk = AgentDesk(server, "sue")
    client = httpx.Client(
        base_url=f"{server.url}/api/v1/reports",
        headers={"Authorization": f"Bearer {desk.session['token']}"},
        timeout=10,
    )
    yield client
    client.close()
    desk.close()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_callbacks_report_as_json_and_as_csv(server: RunningServer, sue: httpx.Client) -> None:
    write(server, fall_back_story)
    answer = sue.get("/callbacks", params=FALL_BACK)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    assert report["scope"]["time_zone"] == "Europe/Paris"
    assert report["scope"]["from"] == "2026-10-25T00:00:00+02:00"
    buckets = report["buckets"]
    assert len(buckets) == 25
    assert [b["start"] for b in buckets[2:4]] == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
    ]
    assert [b["requests"]["total"] for b in buckets[:5]] == [2, 0, 1, 3, 0]
    assert buckets[3]["failed"]["by_reason"]["no_answer"] == 1
    assert buckets[3]["cancelled"]["by"]["customer"] == 1
    total = report["total"]
    assert total["completed"] == 2 and total["attempts_per_completed"] == 1.5
    assert total["wait_to_first_dial"] == {"count": 3, "p50_seconds": 600.0, "p90_seconds": 4500.0}
    assert total["scheduled_on_time"]["share"] == 0.0
    assert total["still_waiting"] == 2

    as_csv = sue.get("/callbacks", params={**FALL_BACK, "format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = rows(as_csv.text)
    assert len(table) == 26 and table[-1]["row"] == "total"
    assert table[3]["start"] == "2026-10-25T02:00:00+01:00"
    assert table[3]["requests_total"] == "3" and table[3]["requests_by_channel_mobile"] == "1"
    assert table[3]["failed_by_reason_no_answer"] == "1"
    assert table[-1]["wait_to_first_dial_p90_seconds"] == "4500.0"
    assert table[1]["right_party_contact_rate"] == "1.0"
    accepted = sue.get("/callbacks", params=FALL_BACK, headers={"Accept": "text/csv"})
    assert accepted.headers["content-type"].startswith("text/csv")
    assert accepted.text == as_csv.text  # and the same figures when asked twice


def test_handling_dispositions_and_answer_rate(server: RunningServer, sue: httpx.Client) -> None:
    write(server, handling_story)
    handling = sue.get("/handling", params=JUNE)
    assert handling.status_code == 200, handling.text
    ada = handling.json()["totals"][0]
    assert ada["agent"] == "ada" and ada["handled"] == 2
    assert ada["handle_seconds"] == {"count": 2, "total_seconds": 900.0, "mean_seconds": 450.0}
    assert ada["hold_seconds"]["total_seconds"] == 180.0
    assert ada["after_call_work_seconds"]["total_seconds"] == 90.0
    handling_csv = rows(sue.get("/handling", params={**JUNE, "format": "csv"}).text)
    assert [(r["row"], r["agent"], r["handled"]) for r in handling_csv] == [
        ("bucket", "ada", "2"),
        ("bucket", "bob", "1"),
        ("total", "ada", "2"),
        ("total", "bob", "1"),
    ]

    tree = sue.get("/dispositions", params=JUNE).json()
    assert (tree["handled"], tree["without_code"]) == (3, 1)
    sale = next(node for node in tree["tree"] if node["code"] == "sale")
    assert (sale["count"], sale["total"], sale["children"][0]["code"]) == (1, 2, "sale-upsell")
    codes = rows(sue.get("/dispositions", params={**JUNE, "format": "csv"}).text)
    assert [(r["path"], r["total"]) for r in codes] == [
        ("resolved", "0"),
        ("sale", "2"),
        ("sale/sale-upsell", "1"),
        ("", "1"),
    ]

    rate = sue.get("/answer-rate", params=JUNE).json()
    cells = [(c["weekday"], c["hour"], c["attempts"], c["rate"]) for c in rate["cells"]]
    assert [c for c in cells if c[2]] == [
        ("monday", 10, 1, 1.0),
        ("monday", 11, 2, 0.5),
        ("tuesday", 9, 1, 0.0),
    ]
    rate_csv = rows(sue.get("/answer-rate", params={**JUNE, "format": "csv"}).text)
    assert len(rate_csv) == 168 and rate_csv[11] == {
        "weekday": "monday",
        "hour": "11",
        "attempts": "2",
        "answered": "1",
        "rate": "0.5",
    }


def test_keys_read_their_services_and_agents_are_refused(server: RunningServer) -> None:
    write(server, fall_back_story)
    url = f"{server.url}/api/v1/reports/callbacks"
    everything = httpx.get(url, params=FALL_BACK, headers=_key(server, "all"))
    assert everything.status_code == 200 and everything.json()["total"]["requests"]["total"] == 6
    narrow = httpx.get(url, params=FALL_BACK, headers=_key(server, "support-only"))
    assert narrow.status_code == 403
    assert narrow.json()["code"] == "service-forbidden" and narrow.json()["field"] == "service"
    theirs = httpx.get(
        url,
        params={k: v for k, v in FALL_BACK.items() if k != "service"},
        headers=_key(server, "support-only"),
    )
    assert theirs.status_code == 200 and theirs.json()["total"]["requests"]["total"] == 0
    assert theirs.json()["scope"]["time_zone"] == "America/New_York"  # the support service's
    desk = AgentDesk(server, "ada")
    try:
        agent = httpx.get(url, params=FALL_BACK, headers=desk.http.headers)
    finally:
        desk.close()
    assert agent.status_code == 403 and agent.json()["code"] == "not-a-supervisor"
    stranger = httpx.get(url, params=FALL_BACK)
    assert stranger.status_code == 401
    assert stranger.headers["content-type"] == "application/problem+json"


def _key(server: RunningServer, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.keys[name]}"}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"from": "2026-10-25T00:00:00"}, "from", "invalid-request"),  # no offset
        ({"from": "1761350400"}, "from", "invalid-request"),  # seconds, not a time
        ({"to": "2026-10-24T00:00:00+02:00"}, "to", "invalid-range"),
        ({"to": "2028-01-01T00:00:00Z"}, "to", "invalid-range"),
        ({"from": "0001-01-01T00:00:00+14:00"}, "from", "invalid-range"),
        ({"to": "9999-12-31T23:59:59-12:00"}, "to", "invalid-range"),
        ({"to": "2026-12-31T00:00:00Z", "bucket": "15min"}, "bucket", "too-many-buckets"),
        ({"bucket": "minute"}, "bucket", "invalid-request"),
        ({"service": "nope"}, "service", "unknown-service"),
        ({"queue": "nope"}, "queue", "unknown-queue"),
        ({"agent": "nope"}, "agent", "unknown-agent"),
        ({"channel": "fax"}, "channel", "invalid-request"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown-time-zone"),
        ({"format": "xml"}, "format", "invalid-request"),
        ({"on_time_minutes": "-1"}, "on_time_minutes", "invalid-request"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    server: RunningServer, change: dict[str, str], field: str, code: str
) -> None:
    answer = httpx.get(
        f"{server.url}/api/v1/reports/callbacks",
        params={**FALL_BACK, **change},
        headers=_key(server, "all"),
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert (answer.json()["field"], answer.json()["code"]) == (field, code)
