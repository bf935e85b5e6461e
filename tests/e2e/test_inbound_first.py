"""The customer calls in first, on a real `ringback serve`: the IVR and the ACD report the call
over HTTP, and a callback no agent has taken is not offered or dialled afterwards; one on an
agent's screen is withdrawn from it; a call an agent is on is never cut."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer, prepare
from tests.e2e.process import ringback_serve
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e


@pytest.fixture
def node(database_url: str) -> Iterator[RunningServer]:
    """`ringback serve` as its own process, on the test configuration ("anytime" completes)."""
    keys = prepare(database_url)
    with ringback_serve(database_url) as url:
        yield RunningServer(url, keys, database_url)


@pytest.fixture
def ivr(node: RunningServer) -> Iterator[httpx.Client]:
    with node.client("all") as client:
        yield client


@pytest.fixture
def ada(node: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(node, "ada")
    yield desk
    desk.close()


def ask(ivr: httpx.Client, phone: str) -> dict[str, Any]:
    made = ivr.post("/api/v1/callbacks", json={"service": "anytime", "phone": phone})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def called_in(ivr: httpx.Client, phone: str, stage: str, **fields: str) -> list[dict[str, Any]]:
    answer = ivr.post("/api/v1/inbound-calls", json={"phone": phone, "stage": stage} | fields)
    assert answer.status_code == 200, answer.text
    outcomes: list[dict[str, Any]] = answer.json()["callbacks"]
    return outcomes


def events_of(ivr: httpx.Client, callback_id: str) -> list[str]:
    return [h["event"] for h in ivr.get(f"/api/v1/callbacks/{callback_id}/history").json()]


def test_a_customer_who_reached_an_agent_is_not_called_back(
    ivr: httpx.Client, ada: AgentDesk
) -> None:
    asked = ask(ivr, "+44 20 7946 0931")
    assert asked["state"] == "queued"

    # The customer gives up waiting and calls: the IVR puts them in the inbound queue...
    [waiting] = called_in(ivr, "+442079460931", "queued", reference="acd-1")
    assert (waiting["outcome"], waiting["state"]) == ("kept", "queued")
    # ...and an agent of the ACD answers.
    [answered] = called_in(ivr, "+44 20 7946 0931", "answered", agent="4410", reference="acd-1")
    assert (answered["id"], answered["outcome"], answered["state"]) == (
        asked["id"],
        "completed",
        "completed",
    )

    # An agent becomes Ready: the next customer's callback is offered, not the answered one,
    # although it has waited longer.
    ada.listen()
    assert ada.status("voice", "ready").status_code == 200
    later = ask(ivr, "+44 20 7946 0932")
    offered = ada.wait_offer()
    assert offered["callback"]["id"] == later["id"]
    assert [i["callback"]["id"] for i in ada.http.get("/interactions").json()] == [later["id"]]

    done = ivr.get(f"/api/v1/callbacks/{asked['id']}").json()
    assert (done["state"], done["attempts"]) == ("completed", 0)
    assert events_of(ivr, asked["id"]) == ["create", "called_in", "answered_elsewhere"]
    reasons = [h["reason"] for h in ivr.get(f"/api/v1/callbacks/{asked['id']}/history").json()]
    assert reasons[-1] == "the customer called in and reached an agent (4410); call acd-1"


def test_an_offer_on_an_agents_screen_is_withdrawn(ivr: httpx.Client, ada: AgentDesk) -> None:
    ada.listen()
    assert ada.status("voice", "ready").status_code == 200
    asked = ask(ivr, "+44 20 7946 0933")
    offer = ada.wait_offer()
    assert offer["callback"]["id"] == asked["id"]

    [outcome] = called_in(ivr, "+44 20 7946 0933", "answered")
    assert (outcome["from_state"], outcome["outcome"]) == ("offered", "completed")

    assert ada.wait_state(offer["id"], "withdrawn")["state"] == "withdrawn"
    ada.wait_event(
        lambda e: e["topic"] == "interaction.updated" and e["payload"]["state"] == "withdrawn"
    )
    assert events_of(ivr, asked["id"]) == ["create", "offer", "answered_elsewhere"]
    assert ada.act(offer["id"], "accept").status_code == 409
    # She is free for the next customer.
    later = ask(ivr, "+44 20 7946 0934")
    assert ada.wait_offer()["callback"]["id"] == later["id"]
    assert ivr.get(f"/api/v1/callbacks/{asked['id']}").json()["attempts"] == 0


def test_a_call_an_agent_is_on_is_never_cut(ivr: httpx.Client, ada: AgentDesk) -> None:
    ada.listen()
    assert ada.status("voice", "ready").status_code == 200
    asked = ask(ivr, "+44 20 7946 0935")
    offer = ada.wait_offer()
    assert ada.act(offer["id"], "accept").status_code == 200
    ada.wait_state(offer["id"], "connected")
    seen_before_the_report = ada.wait_event(
        lambda e: e["topic"] == "interaction.updated" and e["payload"]["state"] == "connected"
    )["id"]

    [outcome] = called_in(ivr, "+44 20 7946 0935", "answered", reference="acd-7")
    assert (outcome["outcome"], outcome["from_state"], outcome["state"]) == (
        "kept",
        "connected",
        "connected",
    )
    assert outcome["reason"].endswith("; kept: an agent has this callback")
    assert ada.interaction(offer["id"])["state"] == "connected"
    pushed = ada.wait_event(
        lambda e: e["topic"] == "interaction.updated" and e["id"] > seen_before_the_report
    )
    assert (pushed["payload"]["id"], pushed["payload"]["state"]) == (offer["id"], "connected")
    # She sees it in the case history, pushed to her screen.
    told = [h for h in ada.history(offer["id"]) if h["kind"] == "customer_called_in"]
    assert [(h["actor"], h["detail"]) for h in told] == [
        ("api-key:all", {"reason": outcome["reason"]})
    ]

    # The agent ends her call and is done with it as usual.
    assert ada.act(offer["id"], "end-call").status_code == 200
    ada.wait_state(offer["id"], "ready_to_call")
    assert ada.act(offer["id"], "done").status_code == 200
    finished = ivr.get(f"/api/v1/callbacks/{asked['id']}").json()
    assert finished["state"] == "completed"
    events = events_of(ivr, asked["id"])
    assert events[-2:] == ["called_in", "complete"]
