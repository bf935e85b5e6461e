"""The supervisor's queues, waiting callbacks and agents; cancelling and reprioritising."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import PASSWORD, RunningServer
from tests.e2e.test_workspace_voice import request_callback
from tests.e2e.workspace import AgentDesk

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
    waiting = sue.http.get("/supervisor/callbacks", params={"service": "anytime"}).json()
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
    listed = sue.http.get("/supervisor/callbacks").json()
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
