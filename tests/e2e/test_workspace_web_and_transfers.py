"""Web callbacks, agent preview, and handing calls to others: transfer, conference, consultation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.e2e.conftest import RunningServer
from tests.e2e.test_workspace_supervisor import callback_history
from tests.e2e.test_workspace_voice import callback_state, request_callback
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "ada")
    yield desk
    desk.close()


@pytest.fixture
def bob(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "bob")
    yield desk
    desk.close()


def connected_call(server: RunningServer, desk: AgentDesk, phone: str) -> dict[str, object]:
    request_callback(server, phone)
    desk.status("voice", "ready")
    offered = desk.wait_offer()
    desk.act(offered["id"], "accept")
    return desk.wait_state(offered["id"], "connected")


def test_web_callback_preview_then_done_needs_a_disposition(
    server: RunningServer, ada: AgentDesk
) -> None:
    callback = request_callback(
        server,
        "+44 20 7946 0011",
        service="web",
        data={"topic": "mortgage offer"},
        instructions="after 5pm",
    )
    ada.status("webcallback", "ready")
    offered = ada.wait_offer()
    assert offered["channel"] == "webcallback"
    assert offered["preview"] == {
        "name": "Grace Hopper",
        "phone": "+442079460011",
        "data.topic": "mortgage offer",
        "instructions": "after 5pm",
    }
    preview = ada.act(offered["id"], "accept").json()
    assert preview["state"] == "preview"  # web callbacks wait for the agent's Call
    assert set(preview["actions"]) >= {"call", "mark_done", "reschedule"}
    refused = ada.act(offered["id"], "done")
    assert refused.status_code == 409 and refused.json()["code"] == "disposition-required"
    ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
    assert ada.act(offered["id"], "done").json()["state"] == "done"
    assert callback_state(server, callback["id"])["state"] == "completed"
    web = next(s for s in ada.http.get("/me").json()["statuses"] if s["channel"] == "webcallback")
    assert web["status"] == "after_call_work" and web["acw_until"]
    # After Call Work ends by itself, then Not Ready as the service says.
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while web["status"] == "after_call_work":
        assert datetime.now(UTC) < deadline
        web = next(
            s for s in ada.http.get("/me").json()["statuses"] if s["channel"] == "webcallback"
        )
    assert web["status"] == "not_ready"


def test_web_callback_call_then_schedule_a_callback_in_a_slot(
    server: RunningServer, ada: AgentDesk
) -> None:
    callback = request_callback(server, "+44 20 7946 0012", service="web")
    ada.status("webcallback", "ready")
    offered = ada.wait_offer()
    ada.act(offered["id"], "accept")
    assert ada.act(offered["id"], "call").json()["state"] == "dialing"
    connected = ada.wait_state(offered["id"], "connected")
    # The answer's dial result may follow the connected state by a moment.
    while "reschedule" not in connected["actions"]:
        connected = ada.interaction(offered["id"])
    later = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    moved = ada.act(
        offered["id"], "reschedule", {"desired_time": later.isoformat(), "personal": True}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["callback"]["state"] == "scheduled"
    again = ada.act(offered["id"], "reschedule", {"desired_time": later.isoformat()})
    assert again.status_code == 409
    ada.act(offered["id"], "end-call")
    ada.wait_state(offered["id"], "ready_to_call")
    ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
    ada.act(offered["id"], "done")
    final = callback_state(server, callback["id"])
    assert final["state"] == "scheduled" and final["due_at"] == later.isoformat().replace(
        "+00:00", "Z"
    )


def test_delayed_callback_with_agent_preview_waits_for_call(
    server: RunningServer, ada: AgentDesk
) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1)
    request_callback(
        server, "+44 20 7946 0013", service="preview", type="delayed", desired_time=soon.isoformat()
    )
    ada.status("voice", "ready")
    offered = ada.wait_offer()
    assert offered["preview"]["data.account"] == "A-1"
    assert ada.act(offered["id"], "accept").json()["state"] == "preview"
    assert ada.act(offered["id"], "call").json()["state"] == "dialing"
    ada.wait_state(offered["id"], "connected")


def transfer_to_bob(ada: AgentDesk, interaction_id: str, how: str) -> None:
    """Instant Call Transfer, or a consultation with Bob completed as a transfer."""
    if how == "instant":
        moved = ada.act(interaction_id, "transfer", {"target": "agent:bob"})
    else:
        ada.act(interaction_id, "consultation", {"target": "agent:bob"})
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while (ada.interaction(interaction_id).get("consultation") or {}).get(
            "state"
        ) != "connected":
            assert datetime.now(UTC) < deadline
        moved = ada.act(interaction_id, "consultation/complete-transfer")
    assert moved.status_code == 200, moved.text
    ada.wait_state(interaction_id, "transferred")


@pytest.mark.parametrize("how", ["instant", "consultation"])
def test_a_transferred_callback_completes_at_the_mark_done_of_the_agent_who_received_it(
    server: RunningServer, ada: AgentDesk, bob: AgentDesk, how: str
) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0021")
    callback_id = interaction["callback"]["id"]  # type: ignore[index]
    bob.listen()
    transfer_to_bob(ada, str(interaction["id"]), how)
    received = bob.wait_event(lambda e: e["topic"] == "interaction.transferred")["payload"]
    assert received["state"] == "connected" and received["callback"]["id"] == callback_id

    # Ada's Mark Done closes her interaction only: Bob is still talking to the customer.
    done = ada.act(str(interaction["id"]), "done")
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert callback_state(server, callback_id)["state"] == "connected"
    history = callback_history(server, callback_id)
    assert [h["event"] for h in history] == [
        "create",
        "offer",
        "accept",
        "dial",
        "connect",
        "transfer",
    ]
    transfer = {k: history[-1][k] for k in ("actor", "from_state", "to_state", "reason")}
    assert transfer == {
        "actor": "ada",
        "from_state": "connected",
        "to_state": "connected",
        "reason": "to bob",
    }

    # Bob's call ends and his Mark Done finishes the callback for the customer.
    bob.act(received["id"], "end-call")
    bob.wait_state(received["id"], "ready_to_call")
    assert bob.act(received["id"], "done").status_code == 200
    assert callback_state(server, callback_id)["state"] == "completed"
    history = callback_history(server, callback_id)
    assert [h["event"] for h in history][-2:] == ["transfer", "complete"]
    assert (history[-1]["actor"], history[-1]["to_state"]) == ("bob", "completed")
    times = [datetime.fromisoformat(h["at"]) for h in history]
    assert times == sorted(times)


def test_instant_conference_keeps_the_agent_on_the_call(
    server: RunningServer, ada: AgentDesk
) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0022")
    ada.act(interaction["id"], "conference", {"target": "routing-point:billing-ivr"})
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while "routing-point:billing-ivr" not in ada.interaction(interaction["id"])["parties"]:
        assert datetime.now(UTC) < deadline
    assert ada.interaction(interaction["id"])["state"] == "connected"
    bad = ada.act(interaction["id"], "conference", {"target": "queue:nowhere"})
    assert bad.status_code == 422 and bad.json()["field"] == "target"


def test_consultation_then_transfer(server: RunningServer, ada: AgentDesk, bob: AgentDesk) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0023")
    started = ada.act(interaction["id"], "consultation", {"target": "agent:bob"})
    assert started.json()["consultation"]["state"] == "ringing"
    current = ada.wait_state(interaction["id"], "on_hold", "connected")
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while (current.get("consultation") or {}).get("state") != "connected":
        assert datetime.now(UTC) < deadline, current
        current = ada.interaction(interaction["id"])
    assert "complete_transfer" in current["consultation"]["actions"]
    assert not {"resume", "hold", "transfer"} & set(current["actions"])
    refused = ada.act(interaction["id"], "resume")
    assert refused.status_code == 409 and "consultation" in refused.json()["detail"]
    assert ada.act(interaction["id"], "consultation/complete-transfer").status_code == 200
    ada.wait_state(interaction["id"], "transferred")
    bob_desk = bob.http.get("/interactions").json()
    assert [i["state"] for i in bob_desk] == ["connected"]


def test_consultation_then_conference_and_then_ended(server: RunningServer, ada: AgentDesk) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0024")
    ada.act(interaction["id"], "consultation", {"target": "routing-point:billing-ivr"})
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while (ada.interaction(interaction["id"]).get("consultation") or {}).get(
        "state"
    ) != "connected":
        assert datetime.now(UTC) < deadline
    ada.act(interaction["id"], "consultation/complete-conference")
    conferenced = ada.wait_state(interaction["id"], "connected")
    while conferenced["consultation"] is not None:
        assert datetime.now(UTC) < deadline + timedelta(seconds=5)
        conferenced = ada.interaction(interaction["id"])
    assert conferenced["parties"].get("routing-point:billing-ivr") == "target"
    kinds = [h["kind"] for h in ada.history(interaction["id"])]
    assert "complete_conference" in kinds


def test_declined_consultation_and_cancelled_consultation(
    server: RunningServer, ada: AgentDesk
) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0025")
    ada.act(interaction["id"], "consultation", {"target": "+1 212 555 0142"})  # declines
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while ada.interaction(interaction["id"])["consultation"] is not None:
        assert datetime.now(UTC) < deadline
    states = [
        h["detail"].get("state")
        for h in ada.history(interaction["id"])
        if h["kind"] == "consultation"
    ]
    assert "declined" in states
    ada.act(interaction["id"], "resume")
    ada.wait_state(interaction["id"], "connected")
    ada.act(interaction["id"], "consultation", {"target": "queue:support"})
    ada.act(interaction["id"], "consultation/end")
    back = ada.wait_state(interaction["id"], "connected")
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while back["consultation"] is not None:
        assert datetime.now(UTC) < deadline
        back = ada.interaction(interaction["id"])
    assert "cancelled" in [h["detail"].get("state") for h in ada.history(interaction["id"])]


def test_the_agent_who_receives_a_transfer_is_told_who_and_why_and_reads_the_whole_case(
    server: RunningServer, ada: AgentDesk, bob: AgentDesk
) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0026")
    first = str(interaction["id"])
    ada.act(first, "hold")
    ada.wait_state(first, "on_hold")
    ada.act(first, "resume")
    ada.wait_state(first, "connected")
    assert ada.act(first, "dtmf", {"digits": "4417#"}).status_code == 200
    ada.act(first, "note", {"text": "Card stolen on the subway."})
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while "dtmf" not in [h["kind"] for h in ada.history(first)]:
        assert datetime.now(UTC) < deadline

    bob.listen()
    moved = ada.act(
        first, "transfer", {"target": "agent:bob", "reason": "  Wants a limit above 5,000.  "}
    )
    assert moved.status_code == 200, moved.text
    received = bob.wait_event(lambda e: e["topic"] == "interaction.transferred")["payload"]
    assert received["state"] == "connected"
    handover = received["handover"]
    assert {k: handover[k] for k in ("how", "source", "agent", "agent_name", "reason")} == {
        "how": "transfer",
        "source": first,
        "agent": "ada",
        "agent_name": "Ada Lovelace",
        "reason": "Wants a limit above 5,000.",
    }
    # The hand-over stays on the interaction, read again or listed.
    assert bob.interaction(received["id"])["handover"] == handover
    assert [i["handover"] for i in bob.http.get("/interactions").json()] == [handover]

    # Bob reads Ada's part of the case first, then his own: one history, in order.
    history = bob.history(received["id"])
    kinds = [(h["interaction_id"], h["kind"]) for h in history]
    for kind in ("accepted", "hold", "resume", "dtmf", "note", "transfer"):
        assert (first, kind) in kinds, kinds
    assert kinds.index((first, "note")) < kinds.index((received["id"], "transferred_in"))
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    note = next(h for h in history if h["kind"] == "note")
    assert (note["actor"], note["actor_name"], note["detail"]["text"]) == (
        "ada",
        "Ada Lovelace",
        "Card stolen on the subway.",
    )
    transfer = next(h for h in history if h["kind"] == "transfer")
    assert transfer["detail"]["reason"] == "Wants a limit above 5,000."
    assert next(h for h in history if h["kind"] == "transferred_in")["actor_name"] is None
    # Ada's own history is hers alone.
    assert {h["interaction_id"] for h in ada.history(first)} == {first}


def test_without_a_reason_the_receiving_agent_is_given_the_last_note(
    server: RunningServer, ada: AgentDesk, bob: AgentDesk
) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0027")
    ada.act(str(interaction["id"]), "note", {"text": "Asks about a mortgage."})
    bob.listen()
    transfer_to_bob(ada, str(interaction["id"]), "consultation")
    received = bob.wait_event(lambda e: e["topic"] == "interaction.transferred")["payload"]
    assert received["handover"]["reason"] == "Asks about a mortgage."
    assert received["handover"]["agent_name"] == "Ada Lovelace"


def test_an_agent_brought_into_a_conference_is_told_and_wraps_up_their_part(
    server: RunningServer, ada: AgentDesk, bob: AgentDesk
) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0028")
    first = str(interaction["id"])
    callback_id = interaction["callback"]["id"]  # type: ignore[index]
    ada.act(first, "note", {"text": "Disputes a payment."})
    bob.listen()
    asked = ada.act(
        first, "conference", {"target": "agent:bob", "reason": "Second opinion on the dispute."}
    )
    assert asked.status_code == 200, asked.text
    joined = bob.wait_event(lambda e: e["topic"] == "interaction.joined")["payload"]
    assert joined["state"] == "joined" and joined["callback"]["id"] == callback_id
    assert joined["call_id"] is None
    assert (joined["handover"]["how"], joined["handover"]["reason"]) == (
        "conference",
        "Second opinion on the dispute.",
    )
    assert set(joined["actions"]) == {"email", "note", "disposition", "mark_done"}
    assert [h["detail"].get("text") for h in bob.history(joined["id"]) if h["kind"] == "note"] == [
        "Disputes a payment."
    ]
    # Ada keeps the customer and the callback.
    assert ada.interaction(first)["state"] == "connected"
    assert ada.interaction(first)["parties"].get("place:1002") == "target"
    bob_voice = next(s for s in bob.http.get("/me").json()["statuses"] if s["channel"] == "voice")
    assert bob_voice["busy"] is True

    # Bob's Mark Done closes his part only; Ada's completes the callback.
    bob.act(joined["id"], "note", {"text": "Advised a chargeback."})
    assert bob.act(joined["id"], "done").json()["state"] == "done"
    assert callback_state(server, callback_id)["state"] == "connected"
    ada.act(first, "end-call")
    ada.wait_state(first, "ready_to_call")
    assert ada.act(first, "done").json()["state"] == "done"
    assert callback_state(server, callback_id)["state"] == "completed"


def test_a_reason_too_long_is_refused_with_its_field(server: RunningServer, ada: AgentDesk) -> None:
    interaction = connected_call(server, ada, "+44 20 7946 0029")
    refused = ada.act(
        str(interaction["id"]), "transfer", {"target": "agent:bob", "reason": "x" * 501}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "reason", refused.json()
