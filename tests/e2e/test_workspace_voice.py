"""Voice callbacks handled end to end through the Workspace API and its WebSocket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from tests.e2e.conftest import RunningServer
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e


def request_callback(server: RunningServer, phone: str, **fields: object) -> dict[str, object]:
    body = {
        "service": "anytime",
        "phone": phone,
        "name": "Grace Hopper",
        "data": {"account": "A-1"},
    }
    made = httpx.post(
        f"{server.url}/api/v1/callbacks",
        json=body | fields,
        headers={"Authorization": f"Bearer {server.keys['all']}"},
    )
    assert made.status_code == 201, made.text
    result: dict[str, object] = made.json()
    return result


def callback_state(server: RunningServer, callback_id: object) -> dict[str, object]:
    found: dict[str, object] = httpx.get(
        f"{server.url}/api/v1/callbacks/{callback_id}",
        headers={"Authorization": f"Bearer {server.keys['all']}"},
    ).json()
    return found


@pytest.fixture
def ada(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "ada")
    yield desk
    desk.close()


def test_an_immediate_voice_callback_from_notification_to_mark_done(
    server: RunningServer, ada: AgentDesk
) -> None:
    ada.listen()
    assert [s["status"] for s in ada.session["statuses"]] == ["not_ready", "not_ready"]
    callback = request_callback(server, "+44 20 7946 0001")
    assert ada.status("voice", "ready").status_code == 200

    offered = ada.wait_event(lambda e: e["topic"] == "interaction.offered")["payload"]
    assert offered["callback"]["id"] == callback["id"]
    assert offered["state"] == "offered" and offered["actions"] == ["accept", "reject"]
    assert offered["offer_expires_at"] and "Not Ready" in offered["on_offer_timeout"]
    interaction = offered["id"]

    accepted = ada.act(interaction, "accept").json()
    assert accepted["state"] == "dialing"  # voice callbacks are dialled at once
    assert accepted["callback"]["data"] == {"account": "A-1"}
    connected = ada.wait_state(interaction, "connected")
    assert callback_state(server, callback["id"])["state"] == "connected"
    assert set(connected["actions"]) >= {"end_call", "hold", "transfer", "send_dtmf", "note"}
    assert "mark_done" not in connected["actions"]

    assert ada.act(interaction, "hold").status_code == 200
    ada.wait_state(interaction, "on_hold")
    ada.act(interaction, "resume")
    ada.wait_state(interaction, "connected")
    assert ada.act(interaction, "dtmf", {"digits": "42#"}).status_code == 200
    assert ada.act(interaction, "note", {"text": "Customer wants a new card"}).status_code == 200
    refused = ada.act(interaction, "done")
    assert refused.status_code == 409 and "end the call first" in refused.json()["detail"]

    ada.act(interaction, "end-call")
    ada.wait_state(interaction, "ready_to_call")
    disposed = ada.http.put(f"/interactions/{interaction}/disposition", json={"code": "resolved"})
    assert disposed.status_code == 200
    done = ada.act(interaction, "done")
    assert done.status_code == 200 and done.json()["state"] == "done"

    assert callback_state(server, callback["id"])["state"] == "completed"
    kinds = [(h["kind"], h["detail"]) for h in ada.history(interaction)]
    assert ("dtmf", {"digits": "42#"}) in kinds
    assert ("note", {"text": "Customer wants a new card"}) in kinds
    assert ("disposition", {"code": "resolved"}) in kinds
    assert [k for k, _ in kinds][:3] == ["offered", "accepted", "dial"]
    history = ada.http.get("/interactions/history").json()
    assert [i["id"] for i in history] == [interaction]
    # Status events arrived on the stream, and the agent is Ready again (no After Call Work here).
    me = ada.http.get("/me").json()
    voice = next(s for s in me["statuses"] if s["channel"] == "voice")
    assert voice["status"] == "ready" and voice["busy"] is False
    ada.wait_event(
        lambda e: e["topic"] == "interaction.updated" and e["payload"]["state"] == "done"
    )


@pytest.fixture
def bob(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "bob")
    yield desk
    desk.close()


def test_reject_goes_to_another_agent_and_not_back_for_a_while(
    server: RunningServer, ada: AgentDesk, bob: AgentDesk
) -> None:
    callback = request_callback(server, "+44 20 7946 0002")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    assert offered["callback"]["id"] == callback["id"]
    rejected = ada.act(offered["id"], "reject")
    assert rejected.json()["state"] == "rejected"
    bob.status("voice", "ready")
    again = bob.wait_offer()
    assert again["callback"]["id"] == callback["id"] and again["id"] != offered["id"]
    assert ada.http.get("/interactions").json() == []  # not offered to Ada again meanwhile
    assert bob.act(again["id"], "accept").status_code == 200
    foreign = ada.http.get(f"/interactions/{again['id']}")
    assert foreign.status_code == 403 and foreign.json()["code"] == "not-your-interaction"
    assert ada.act(again["id"], "hold").status_code == 403


def test_an_offer_left_alone_times_out_and_the_agent_goes_not_ready(
    server: RunningServer, ada: AgentDesk
) -> None:
    request_callback(server, "+44 20 7946 0003")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    timed_out = ada.wait_state(offered["id"], "timed_out", timeout=15)
    assert timed_out["ended_at"]
    voice = next(s for s in ada.http.get("/me").json()["statuses"] if s["channel"] == "voice")
    assert (voice["status"], voice["reason"]) == ("not_ready", "missed-offer")
    assert callback_state(server, offered["callback"]["id"])["state"] == "queued"


def test_supervisors_read_every_interaction_but_act_on_none(
    server: RunningServer, ada: AgentDesk
) -> None:
    request_callback(server, "+44 20 7946 0004")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    sue = AgentDesk(server, "sue")
    try:
        assert sue.http.get(f"/interactions/{offered['id']}").status_code == 200
        assert sue.act(offered["id"], "accept").status_code == 403
    finally:
        sue.close()


@pytest.mark.parametrize(
    ("phone", "result"),
    [
        ("+44 20 7946 0101", "busy"),
        ("+44 20 7946 0201", "no_answer"),
        ("+44 20 7946 0301", "answering_machine"),
        ("+44 20 7946 0401", "fax"),
        ("+44 20 7946 0601", "network_error"),
    ],
)
def test_an_unreached_customer_is_retried_after_the_delay_for_the_outcome(
    server: RunningServer, ada: AgentDesk, phone: str, result: str
) -> None:
    callback = request_callback(server, phone)
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    ada.act(offered["id"], "accept")
    ended = ada.wait_state(offered["id"], "ready_to_call")
    assert ended["last_result"] == result
    assert "call" in ended["actions"] and "mark_done" in ended["actions"]
    ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
    ada.act(offered["id"], "done")
    retried = callback_state(server, callback["id"])
    assert retried["state"] == "scheduled" and retried["attempts"] == 1
    history = httpx.get(
        f"{server.url}/api/v1/callbacks/{callback['id']}/history",
        headers={"Authorization": f"Bearer {server.keys['all']}"},
    ).json()
    assert history[-1]["event"] == "retry" and result in history[-1]["reason"]


def test_an_invalid_number_fails_at_once(server: RunningServer, ada: AgentDesk) -> None:
    callback = request_callback(server, "+44 20 7946 0501")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    ada.act(offered["id"], "accept")
    ended = ada.wait_state(offered["id"], "ready_to_call")
    assert callback_state(server, callback["id"])["state"] == "failed"
    assert "call" not in ended["actions"] and "reschedule" not in ended["actions"]
    refused = ada.act(offered["id"], "call")
    assert refused.status_code == 409 and "already failed" in refused.json()["detail"]
    ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
    assert ada.act(offered["id"], "done").status_code == 200
    assert callback_state(server, callback["id"])["state"] == "failed"


def test_a_customer_who_hangs_up_can_be_called_again(server: RunningServer, ada: AgentDesk) -> None:
    callback = request_callback(server, "+44 20 7946 0701")
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    ada.act(offered["id"], "accept")
    # She answers, then hangs up 0.3 s later: too short to be sure of seeing `connected`.
    ended = ada.wait_state(offered["id"], "ready_to_call")
    assert ended["last_result"] == "answered"
    again = ada.act(offered["id"], "call")
    assert again.json()["state"] == "dialing"
    # This customer hangs up again shortly after answering; End Call if she has not yet.
    if ada.wait_state(offered["id"], "connected", "ready_to_call")["state"] == "connected":
        ada.act(offered["id"], "end-call")
    ada.wait_state(offered["id"], "ready_to_call")
    answered = [
        h
        for h in ada.history(offered["id"])
        if h["kind"] == "dial_result" and h["detail"]["result"] == "answered"
    ]
    assert len(answered) == 2
    ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
    ada.act(offered["id"], "done")
    final = callback_state(server, callback["id"])
    assert final["state"] == "completed" and final["attempts"] == 2


def test_the_event_stream_resumes_from_the_last_id(server: RunningServer, ada: AgentDesk) -> None:
    ada.listen()
    ada.status("voice", "ready")
    first = ada.wait_event(lambda e: e["topic"] == "agent.status")
    ada._stack.close()  # the connection drops
    ada.events.clear()
    ada.status("voice", "not_ready", "break")
    ada.listen(after=first["id"])
    missed = ada.wait_event(
        lambda e: e["topic"] == "agent.status" and e["payload"]["status"] == "not_ready"
    )
    assert missed["id"] > first["id"]
    assert missed["payload"]["reason"] == "break"
    assert all(e["id"] > first["id"] for e in ada.events)
    refused = ada.status("voice", "not_ready", "nap")
    assert refused.status_code == 422 and refused.json()["code"] == "unknown-reason"
