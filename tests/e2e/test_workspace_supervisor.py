"""The supervisor's queues, waiting callbacks and agents; cancelling and reprioritising."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import T0
from tests.e2e.conftest import PASSWORD, RunningServer, prepare, serving
from tests.e2e.test_workspace_voice import request_callback
from tests.e2e.workspace import AgentDesk

from ringback.app import create_app
from ringback.clock import ManualClock
from ringback.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "ada")
    yield desk
    desk.close()


@pytest.fixture
def sue(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "sue")
    yield desk
    desk.close()


def callback_history(server: RunningServer, callback_id: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(
        f"{server.url}/api/v1/callbacks/{callback_id}/history",
        headers={"Authorization": f"Bearer {server.keys['all']}"},
    ).json()
    return found


def queue(sue: AgentDesk, service: str) -> dict[str, Any]:
    response = sue.http.get("/supervisor/queues")
    assert response.status_code == 200, response.text
    rows: dict[str, dict[str, Any]] = {row["service"]: row for row in response.json()}
    return rows[service]


def test_agents_without_the_role_are_refused(server: RunningServer, ada: AgentDesk) -> None:
    for path in ("/supervisor/queues", "/supervisor/callbacks", "/supervisor/agents"):
        refused = ada.http.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "not-a-supervisor"
    moved = ada.http.put(f"/supervisor/callbacks/{'0' * 32}/priority", json={"priority": 80})
    assert moved.status_code == 403 and moved.json()["code"] == "not-a-supervisor"
    stranger = httpx.get(f"{server.url}/api/v1/workspace/supervisor/queues")
    assert stranger.status_code == 401 and stranger.json()["code"] == "not-signed-in"


def test_a_raised_priority_is_offered_first_then_cancelled_off_the_screen(
    server: RunningServer, ada: AgentDesk, sue: AgentDesk
) -> None:
    older = request_callback(server, "+44 20 7946 0091")
    newer = request_callback(server, "+44 20 7946 0092")
    waiting = sue.http.get("/supervisor/callbacks", params={"service": "anytime"}).json()["items"]
    assert [c["id"] for c in waiting] == [older["id"], newer["id"]]
    assert {c["state"] for c in waiting} == {"queued"}
    assert waiting[0]["effective_priority"] >= 70 and waiting[0]["offered_to"] is None
    row = queue(sue, "anytime")
    assert (row["waiting"], row["offered"], row["scheduled"]) == (2, 0, 0)
    assert row["oldest_queued_at"] == older["queued_at"]
    assert row["oldest_wait_seconds"] >= 0 and row["agents_ready"] == 0

    raised = sue.http.put(
        f"/supervisor/callbacks/{newer['id']}/priority",
        json={"priority": 99, "reason": "VIP customer"},
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["priority"] == 99 and raised.json()["state"] == "queued"
    last = callback_history(server, newer["id"])[-1]
    assert last["event"] == "reprioritise" and last["actor"] == "supervisor:sue"
    assert last["reason"] == "priority 70 -> 99: VIP customer"

    ada.listen()
    assert ada.status("voice", "ready").status_code == 200
    offered = ada.wait_event(lambda e: e["topic"] == "interaction.offered")
    offer = offered["payload"]
    assert offer["callback"]["id"] == newer["id"]
    row = queue(sue, "anytime")
    assert (row["waiting"], row["offered"], row["agents_ready"], row["agents_free"]) == (1, 1, 1, 0)
    listed = sue.http.get("/supervisor/callbacks").json()["items"]
    assert [(c["id"], c["state"], c["offered_to"]) for c in listed] == [
        (older["id"], "queued", None),
        (newer["id"], "offered", "ada"),
    ]
    desk = {a["login"]: a for a in sue.http.get("/supervisor/agents").json()}
    assert desk["ada"]["interaction"]["id"] == offer["id"]
    assert desk["ada"]["interaction"]["state"] == "offered"
    assert desk["ada"]["statuses"][0]["offered"] == offer["id"]

    cancelled = sue.http.post(
        f"/supervisor/callbacks/{newer['id']}/cancel", json={"reason": "duplicate request"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert ada.wait_state(offer["id"], "withdrawn")["actions"] == []
    freed = ada.wait_event(
        lambda e: e["id"] > offered["id"] and e["topic"] == "agent.status", timeout=5
    )
    assert freed["payload"]["offered"] is None and freed["payload"]["status"] == "ready"
    last = callback_history(server, newer["id"])[-1]
    assert (last["event"], last["actor"], last["reason"]) == (
        "cancel",
        "supervisor:sue",
        "duplicate request",
    )
    again = sue.http.post(f"/supervisor/callbacks/{newer['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "illegal-transition"
    assert (again.json()["state"], again.json()["event"]) == ("cancelled", "cancel")
    finished = sue.http.put(f"/supervisor/callbacks/{newer['id']}/priority", json={"priority": 1})
    assert finished.status_code == 409 and finished.json()["event"] == "reprioritise"


def test_bad_priorities_name_the_field(server: RunningServer, sue: AgentDesk) -> None:
    made = request_callback(server, "+44 20 7946 0093")
    path = f"/supervisor/callbacks/{made['id']}/priority"
    for body in ({"priority": 101}, {"priority": -1}, {"priority": "high"}, {"priority": 5.5}, {}):
        refused = sue.http.put(path, json=body)
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "invalid-request" and refused.json()["field"] == "priority"
    extra = sue.http.put(path, json={"priority": 10, "urgent": True})
    assert extra.status_code == 422 and extra.json()["field"] == "urgent"
    missing = sue.http.put(f"/supervisor/callbacks/{'0' * 32}/priority", json={"priority": 10})
    assert missing.status_code == 404 and missing.json()["code"] == "callback-not-found"
    bad_id = sue.http.post("/supervisor/callbacks/not-an-id/cancel")
    assert bad_id.status_code == 422 and bad_id.json()["field"] == "callback_id"
    unknown = sue.http.get("/supervisor/callbacks", params={"service": "nope"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "service-not-found"
    too_many = sue.http.get("/supervisor/callbacks", params={"limit": 501})
    assert too_many.status_code == 422 and too_many.json()["field"] == "limit"
    for params, field in (
        ({"state": "completed"}, "state"),
        ({"state": "sleeping"}, "state"),
        ({"sort": "alphabetical"}, "sort"),
        ({"min_wait_seconds": -1}, "min_wait_seconds"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ):
        refused = sue.http.get("/supervisor/callbacks", params=params)
        assert refused.status_code == 422, params
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["field"].split(".")[0] == field, refused.json()  # "state.0"
    for params, field in (({"hours": 25}, "hours"), ({"bucket_minutes": 0}, "bucket_minutes")):
        refused = sue.http.get("/supervisor/activity", params=params)
        assert refused.status_code == 422 and refused.json()["field"] == field, params


def test_a_browser_supervisor_changes_priorities_with_the_csrf_token(
    server: RunningServer,
) -> None:
    made = request_callback(server, "+44 20 7946 0094")
    with httpx.Client(base_url=f"{server.url}/api/v1/workspace") as browser:
        signed = browser.post("/session", json={"login": "sue", "password": PASSWORD})
        assert browser.get("/supervisor/queues").status_code == 200  # reads need no token
        path = f"/supervisor/callbacks/{made['id']}/priority"
        forged = browser.put(path, json={"priority": 90})
        assert forged.status_code == 403 and forged.json()["code"] == "csrf-failed"
        allowed = browser.put(
            path, json={"priority": 90}, headers={"X-CSRF-Token": signed.json()["csrf_token"]}
        )
        assert allowed.status_code == 200 and allowed.json()["priority"] == 90


def test_every_agent_is_listed_with_each_channel(sue: AgentDesk) -> None:
    listed = sue.http.get("/supervisor/agents")
    assert listed.status_code == 200, listed.text
    agents = {a["login"]: a for a in listed.json()}
    assert list(agents) == ["ada", "bob", "sue"]
    me = agents["sue"]
    assert me["roles"] == ["agent", "supervisor"] and me["place"] == "1009"
    assert [(s["channel"], s["status"]) for s in me["statuses"]] == [
        ("voice", "not_ready"),
        ("webcallback", "not_ready"),
    ]
    assert me["statuses"][0]["reason"] == "signed in" and me["interaction"] is None
    assert agents["bob"]["statuses"][0]["status"] == "logged_out"
    assert isinstance(me["id"], int)


@contextmanager
def signed_in(server: RunningServer, login: str) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, login)
    try:
        yield desk
    finally:
        desk.close()


def page(sue: AgentDesk, **params: Any) -> dict[str, Any]:
    answer = sue.http.get("/supervisor/callbacks", params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_the_waiting_list_filters_sorts_and_pages(
    start_server: Callable[..., RunningServer],
) -> None:
    clock = ManualClock(T0)
    server = start_server(clock=clock)
    made = []
    for n in range(4):
        made.append(request_callback(server, f"+44 20 7946 016{n}"))
        clock.advance(timedelta(minutes=2))
    scheduled = request_callback(
        server,
        "+44 20 7946 0169",
        type="scheduled",
        desired_time=(clock.now() + timedelta(hours=1)).isoformat(),
    )
    clock.advance(timedelta(minutes=1))  # the first has waited 9 minutes, the last 3
    with signed_in(server, "sue") as sue:
        ids = [c["id"] for c in made] + [scheduled["id"]]
        first = page(sue, limit=2)
        assert [c["id"] for c in first["items"]] == ids[:2] and first["total"] == 5
        second = page(sue, limit=2, cursor=first["next_cursor"])
        third = page(sue, limit=2, cursor=second["next_cursor"])
        assert [c["id"] for c in second["items"] + third["items"]] == ids[2:]
        assert third["next_cursor"] is None
        assert [c["id"] for c in page(sue, sort="recent")["items"]] == ids[::-1]
        only = page(sue, state="scheduled")
        assert [c["id"] for c in only["items"]] == [scheduled["id"]] and only["total"] == 1
        both = page(sue, state=["queued", "scheduled"], min_wait_seconds=300)
        assert [c["id"] for c in both["items"]] == ids[:3]  # waited 9, 7 and 5 minutes
        # The priority explained: the service's 70, plus one point a minute for 9 minutes.
        oldest = page(sue, limit=1)["items"][0]
        assert (oldest["priority"], oldest["priority_aging_per_minute"]) == (70, 1.0)
        assert (oldest["wait_seconds"], oldest["effective_priority"]) == (540, 79.0)
        assert oldest["late"] is True  # tried never, and past its desired time + 5 minutes
        raised = sue.http.put(f"/supervisor/callbacks/{ids[3]}/priority", json={"priority": 80})
        assert raised.status_code == 200, raised.text
        by_priority = page(sue, sort="priority")
        assert [c["id"] for c in by_priority["items"]] == [ids[3], *ids[:3], ids[4]]
        assert [c["effective_priority"] for c in by_priority["items"]][:2] == [83.0, 79.0]
        mixed = sue.http.get(
            "/supervisor/callbacks", params={"sort": "recent", "cursor": first["next_cursor"]}
        )
        assert mixed.status_code == 422 and mixed.json()["code"] == "invalid-cursor"


def test_queues_are_assessed_against_their_thresholds(
    start_server: Callable[..., RunningServer],
) -> None:
    clock = ManualClock(T0)
    server = start_server(clock=clock)
    request_callback(server, "+44 20 7946 0171")
    with signed_in(server, "sue") as sue:
        row = queue(sue, "anytime")
        assert (row["level"], row["late"], row["crossings"]) == ("ok", 0, [])
        assert row["thresholds"] == {
            "oldest_wait_warning_seconds": 300,
            "oldest_wait_breach_seconds": 900,
            "late_after_seconds": 300,
            "late_warning": 1,
            "late_breach": 5,
        }
        clock.advance(timedelta(seconds=301))
        row = queue(sue, "anytime")
        assert (row["level"], row["late"]) == ("warning", 1)
        assert row["crossings"] == [
            {"measure": "oldest_wait", "level": "warning", "value": 301, "threshold": 300},
            {"measure": "late", "level": "warning", "value": 1, "threshold": 1},
        ]
        clock.advance(timedelta(seconds=600))
        row = queue(sue, "anytime")
        assert row["level"] == "breach"
        assert row["crossings"][0] == {
            "measure": "oldest_wait",
            "level": "breach",
            "value": 901,
            "threshold": 900,
        }
        assert queue(sue, "support")["level"] == "ok"


@contextmanager
def node(database_url: str, keys: dict[str, str], clock: ManualClock) -> Iterator[RunningServer]:
    """A node of its own on the database, stopped when the block ends."""
    settings = Settings(database_url=database_url, scheduler_max_sleep_seconds=0.2)
    with serving(settings, create_app(settings, clock=clock)) as url:
        yield RunningServer(url, keys, database_url)


def test_the_charts_come_from_stored_history_and_survive_a_restart(database_url: str) -> None:
    keys = prepare(database_url)
    clock = ManualClock(T0)
    with node(database_url, keys, clock) as first_node, signed_in(first_node, "sue") as sue:
        for n in range(3):
            request_callback(first_node, f"+44 20 7946 018{n}")
        clock.advance(timedelta(minutes=5))
        cancelled = page(sue, limit=1)["items"][0]
        assert sue.http.post(f"/supervisor/callbacks/{cancelled['id']}/cancel").status_code == 200
        seen = sue.http.get("/supervisor/activity", params={"hours": 1, "bucket_minutes": 5})
        assert seen.status_code == 200, seen.text
    # A node started afterwards, which saw none of it, reads the same from the database.
    with node(database_url, keys, clock) as second_node, signed_in(second_node, "sue") as sue:
        again = sue.http.get("/supervisor/activity", params={"hours": 1, "bucket_minutes": 5})
        one = sue.http.get(
            "/supervisor/activity", params={"hours": 1, "bucket_minutes": 5, "service": "anytime"}
        )
    assert again.json()["queues"] == seen.json()["queues"]
    activity = again.json()
    assert activity["bucket_minutes"] == 5 and len(activity["buckets"]) == 12
    assert activity["buckets"][-2:] == ["2026-12-07T15:00:00Z", "2026-12-07T15:05:00Z"]
    anytime = {q["service"]: q for q in activity["queues"]}["anytime"]
    assert anytime["display_name"] == "anytime"
    assert anytime["waiting"][-3:] == [0, 3, 2]  # three asked at 15:00, one cancelled at 15:05
    assert anytime["offered"] == anytime["answered"] == anytime["failed"] == [0] * 12
    assert [q["service"] for q in one.json()["queues"]] == ["anytime"]
