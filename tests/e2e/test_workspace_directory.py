"""Contact Directory, Responses, Team Communicator and the Party Action Menu's e-mail."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from tests.e2e.conftest import Inbox, RunningServer
from tests.e2e.test_workspace_voice import request_callback
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "ada")
    yield desk
    desk.close()


def test_contact_directory(server: RunningServer, ada: AgentDesk) -> None:
    made = ada.http.post(
        "/contacts",
        json={
            "first_name": "Dana",
            "last_name": "Reyes",
            "phones": [{"number": "+1 212 555 0142", "label": "mobile"}],
            "emails": [{"address": "dana@example.com", "label": "home"}],
        },
    )
    assert made.status_code == 201, made.text
    dana = made.json()
    assert [c["id"] for c in ada.http.get("/contacts", params={"q": "reyes"}).json()["items"]] == [
        dana["id"]
    ]
    by_phone = ada.http.get("/contacts", params={"q": "(212) 555-0142"}).json()["items"]
    assert [c["id"] for c in by_phone] == [dana["id"]]
    edited = ada.http.put(f"/contacts/{dana['id']}", json={"first_name": "Dana Maria"})
    assert edited.json()["first_name"] == "Dana Maria"
    duplicate = ada.http.post(
        "/contacts", json={"first_name": "D.", "phones": [{"number": "+12125550142"}]}
    )
    assert duplicate.status_code == 409
    other = ada.http.post(
        "/contacts", json={"first_name": "D.", "phones": [{"number": "+12125550143"}]}
    ).json()
    merged = ada.http.post(f"/contacts/{dana['id']}/merge", json={"source_id": other["id"]})
    assert merged.status_code == 200, merged.text
    assert {p["number"] for p in merged.json()["phones"]} == {"+12125550142", "+12125550143"}
    ada.http.post(f"/contacts/{dana['id']}/notes", json={"text": "Prefers mornings"})
    kinds = [h["kind"] for h in ada.http.get(f"/contacts/{dana['id']}/history").json()]
    assert "note" in kinds and "merge" in kinds


def test_callbacks_find_their_contact_and_notes_reach_its_history(
    server: RunningServer, ada: AgentDesk
) -> None:
    request_callback(server, "+44 20 7946 0041", name="Grace Hopper")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    ada.act(offered["id"], "accept")
    ada.act(offered["id"], "note", {"text": "Asked about fees"})
    found = ada.http.get("/contacts", params={"q": "+442079460041"}).json()["items"]
    assert [c["display_name"] for c in found] == ["Grace Hopper"]
    history = ada.http.get(f"/contacts/{found[0]['id']}/history").json()
    assert any(h["kind"] == "note" and h["text"] == "Asked about fees" for h in history)


def test_responses_are_filled_in_for_an_interaction(server: RunningServer, ada: AgentDesk) -> None:
    categories = {c["name"] for c in ada.http.get("/responses/categories").json()}
    assert {"Opening", "Callbacks"} <= categories
    found = ada.http.get("/responses", params={"q": "greeting"}).json()["items"]
    assert [r["code"] for r in found] == ["greeting"]
    request_callback(server, "+44 20 7946 0042", name="Grace Hopper")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    text = ada.http.get("/responses/greeting", params={"interaction": offered["id"]}).json()[
        "rendered"
    ]
    assert text == "Hello Grace, this is Ada Lovelace returning your call."
    missing = ada.http.get("/responses/greeting").json()["rendered"]
    assert "[contact.first_name]" in missing


def test_team_communicator(server: RunningServer, ada: AgentDesk) -> None:
    bob = AgentDesk(server, "bob")
    try:
        bob.status("voice", "ready")
        agents = ada.http.get("/team-communicator", params={"q": "bob", "kinds": "agent"}).json()
        statuses = [
            {k: s[k] for k in ("channel", "status", "busy", "reason")}
            for s in agents[0].pop("statuses")
        ]
        assert agents == [
            {
                "kind": "agent",
                "target": "agent:bob",
                "label": "Bob Marley",
                "detail": "voice: ready, webcallback: not ready",
            }
        ]
        # The same, for a client to word in its own way.
        assert statuses == [
            {"channel": "voice", "status": "ready", "busy": False, "reason": None},
            {"channel": "webcallback", "status": "not_ready", "busy": False, "reason": "signed in"},
        ]
    finally:
        bob.close()
    points = ada.http.get("/team-communicator", params={"q": "billing"}).json()
    assert {"routing-point:billing-ivr"} <= {e["target"] for e in points}
    queues = ada.http.get("/team-communicator", params={"q": "supp", "kinds": "queue"}).json()
    assert [e["target"] for e in queues] == ["queue:support"]
    assert ada.http.get("/team-communicator", params={"kinds": "robots"}).status_code == 422
    ada.http.put("/team-communicator/favorites", json={"target": "agent:bob", "label": "Bob"})
    assert ada.http.get("/team-communicator/favorites").json() == [
        {"target": "agent:bob", "label": "Bob"}
    ]
    assert (
        ada.http.delete("/team-communicator/favorites", params={"target": "agent:bob"}).status_code
        == 204
    )
    assert ada.http.get("/team-communicator/favorites").json() == []
    request_callback(server, "+44 20 7946 0043")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    ada.act(offered["id"], "accept")
    ada.wait_state(offered["id"], "connected")
    ada.act(offered["id"], "conference", {"target": "routing-point:billing-ivr"})
    assert (
        ada.http.get("/team-communicator/recents").json()[0]["target"]
        == "routing-point:billing-ivr"
    )


def test_party_action_menu_sends_an_email_through_the_relay(
    start_server: Callable[..., RunningServer], smtp_inbox: tuple[Inbox, int]
) -> None:
    box, port = smtp_inbox
    server = start_server(
        smtp_host="127.0.0.1", smtp_port=port, mail_from="Bank <care@bank.example>"
    )
    ada = AgentDesk(server, "ada")
    try:
        request_callback(server, "+44 20 7946 0044", name="Grace Hopper")
        ada.status("voice", "ready")
        offered = ada.wait_offer()
        ada.act(offered["id"], "accept")
        contact = ada.http.get("/contacts", params={"q": "+442079460044"}).json()["items"][0]
        ada.http.put(
            f"/contacts/{contact['id']}", json={"emails": [{"address": "grace@example.com"}]}
        )
        refused = ada.act(
            offered["id"], "email", {"to": "other@example.com", "subject": "x", "body": "y"}
        )
        assert refused.status_code == 422
        sent = ada.act(
            offered["id"],
            "email",
            {"to": "grace@example.com", "subject": "Your card", "body": "It is on its way."},
        )
        assert sent.status_code == 201, sent.text
        deadline = time.monotonic() + 10
        while not box.messages:
            assert time.monotonic() < deadline, "no e-mail reached the relay"
            time.sleep(0.05)
        message = box.messages[0]
        assert message["To"] == "grace@example.com" and message["Subject"] == "Your card"
        assert "care@bank.example" in message["From"]
        assert "It is on its way." in message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert "email" in [h["kind"] for h in ada.history(offered["id"])]
    finally:
        ada.close()
