"""POST /api/v1/inbound-calls over HTTP on a real server, on SQLite and PostgreSQL: each
service's inbound_first policy applied to the number's active callbacks, the history and the
webhooks that say why, the key's scope, and refusals as problem details naming the field."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer, prepare, serving
from tests.e2e.workspace import AgentDesk
from tests.support import ALWAYS_OPEN, TEST_CONFIG
from tests.webhooks.receiver import Receiver, listening

from ringback.settings import Settings
from ringback.webhooks.config import new_secret

pytestmark = pytest.mark.e2e

# Two more services on the test queue: one keeps a number's callbacks, one merges into them.
# Both call at any hour: the default calling window would hold an evening's callbacks until
# the morning, and the tests would pass only in the daytime.
INBOUND_CONFIG = (
    TEST_CONFIG
    + """
[[services]]
name = "keeping"
queue = "support"
time_zone = "UTC"
default_region = "GB"
calling_window = "00:00-24:00"
inbound_first = "keep"
[services.office_hours]
"""
    + ALWAYS_OPEN
    + """
[[services]]
name = "merging"
queue = "support"
time_zone = "UTC"
default_region = "GB"
calling_window = "00:00-24:00"
inbound_first = "merge"
[services.office_hours]
"""
    + ALWAYS_OPEN
)
PHONE = "+44 20 7946 0911"
E164 = "+442079460911"


@pytest.fixture
def server(database_url: str) -> Iterator[RunningServer]:
    keys = prepare(database_url, config=INBOUND_CONFIG)
    settings = Settings(database_url=database_url, scheduler_max_sleep_seconds=0.2)
    with serving(settings) as url:
        yield RunningServer(url, keys, database_url)


@pytest.fixture
def ivr(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client("all") as client:
        yield client


def ask(client: httpx.Client, service: str, phone: str = PHONE, **fields: Any) -> dict[str, Any]:
    made = client.post("/api/v1/callbacks", json={"service": service, "phone": phone} | fields)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def called_in(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/inbound-calls", json={"phone": PHONE} | fields)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def history(client: httpx.Client, callback_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get(f"/api/v1/callbacks/{callback_id}/history").json()
    return entries


def problem(response: httpx.Response, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["code"], body.get("field")) == (code, field), body
    assert body["instance"] == "/api/v1/inbound-calls"


def test_an_answered_call_completes_the_callbacks_no_agent_has_taken(
    ivr: httpx.Client,
) -> None:
    queued = ask(ivr, "anytime", data={"topic": "card"})
    slot = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booked = ask(ivr, "anytime", type="scheduled", desired_time=slot.isoformat())
    assert (queued["state"], booked["state"]) == ("queued", "scheduled")
    availability = f"/api/v1/services/anytime/availability?start={slot.isoformat()}".replace(
        "+", "%2B"
    )
    assert ivr.get(availability).json()["slots"][0]["booked"] == 1

    answer = called_in(
        ivr, stage="answered", agent="Maya (4410)", reference="acd-20261207-0042", data={"a": "1"}
    )

    why = "the customer called in and reached an agent (Maya (4410)); call acd-20261207-0042"
    assert answer == {
        "stage": "answered",
        "callbacks": [
            {
                "id": queued["id"],
                "service": "anytime",
                "policy": "complete",
                "outcome": "completed",
                "from_state": "queued",
                "state": "completed",
                "reason": why,
            },
            {
                "id": booked["id"],
                "service": "anytime",
                "policy": "complete",
                "outcome": "completed",
                "from_state": "scheduled",
                "state": "completed",
                "reason": why,
            },
        ],
    }
    for made in (queued, booked):
        now = ivr.get(f"/api/v1/callbacks/{made['id']}").json()
        assert now["state"] == "completed" and now["due_at"] is None and now["slot"] is None
        assert now["data"] == made["data"]  # complete does not merge
        last = history(ivr, made["id"])[-1]
        assert last["actor"] == "api-key:all" and last["reason"] == why
        assert (last["event"], last["from_state"], last["to_state"]) == (
            "answered_elsewhere",
            made["state"],
            "completed",
        )
    assert ivr.get(availability).json()["slots"][0]["booked"] == 0  # the slot is free again
    # Done: a second report finds nothing left to do, and a new request is accepted.
    assert called_in(ivr, stage="answered")["callbacks"] == []
    assert ask(ivr, "anytime")["state"] == "queued"


def test_a_customer_still_queued_is_recorded_and_the_callback_kept(ivr: httpx.Client) -> None:
    made = ask(ivr, "anytime")
    answer = called_in(ivr, stage="queued", reference="acd-1")
    [outcome] = answer["callbacks"]
    assert (outcome["outcome"], outcome["from_state"], outcome["state"]) == (
        "kept",
        "queued",
        "queued",
    )
    reason = (
        "the customer called in and is queued for an agent; call acd-1; kept until an agent answers"
    )
    assert outcome["reason"] == reason
    last = history(ivr, made["id"])[-1]
    assert (last["event"], last["from_state"], last["to_state"], last["reason"]) == (
        "called_in",
        "queued",
        "queued",
        reason,
    )
    assert ivr.get(f"/api/v1/callbacks/{made['id']}").json()["state"] == "queued"
    # Then an agent answers it: now it is completed.
    assert called_in(ivr, stage="answered")["callbacks"][0]["outcome"] == "completed"


def test_each_service_follows_its_own_policy(ivr: httpx.Client) -> None:
    completing = ask(ivr, "anytime")
    keeping = ask(ivr, "keeping")
    merging = ask(ivr, "merging", data={"account": "77", "intent": "card"})
    other_number = ask(ivr, "anytime", phone="+44 20 7946 0912")

    answer = called_in(ivr, stage="answered", data={"intent": "lost card", "ivr_path": "1-3"})

    outcomes = {c["service"]: c for c in answer["callbacks"]}
    assert [c["id"] for c in answer["callbacks"]] == [
        completing["id"],
        keeping["id"],
        merging["id"],
    ]
    assert outcomes["anytime"]["state"] == "completed"
    assert (outcomes["keeping"]["outcome"], outcomes["keeping"]["state"]) == ("kept", "queued")
    assert outcomes["keeping"]["reason"].endswith("; kept (inbound_first = keep)")
    assert (outcomes["merging"]["outcome"], outcomes["merging"]["state"]) == ("merged", "queued")
    assert outcomes["merging"]["reason"] == (
        "the customer called in and reached an agent; the call's data merged: intent, ivr_path"
    )
    merged = ivr.get(f"/api/v1/callbacks/{merging['id']}").json()
    assert merged["data"] == {"account": "77", "intent": "lost card", "ivr_path": "1-3"}
    assert history(ivr, keeping["id"])[-1]["event"] == "called_in"
    assert ivr.get(f"/api/v1/callbacks/{other_number['id']}").json()["state"] == "queued"
    assert len(history(ivr, other_number["id"])) == 1


def test_a_service_named_limits_the_call_to_it(ivr: httpx.Client) -> None:
    here, elsewhere = ask(ivr, "anytime"), ask(ivr, "keeping")
    answer = called_in(ivr, stage="answered", service="anytime")
    assert [c["id"] for c in answer["callbacks"]] == [here["id"]]
    assert len(history(ivr, elsewhere["id"])) == 1
    problem(
        ivr.post(
            "/api/v1/inbound-calls", json={"phone": PHONE, "stage": "queued", "service": "nope"}
        ),
        404,
        "service-not-found",
        None,
    )


def test_a_key_touches_only_the_services_it_may_use(
    server: RunningServer, ivr: httpx.Client
) -> None:
    theirs = ask(ivr, "anytime", phone="+1 212 555 0142")
    ours = ask(ivr, "support", phone="+1 212 555 0142")
    with server.client("support-only") as support:
        answer = support.post(
            "/api/v1/inbound-calls", json={"phone": "(212) 555-0142", "stage": "answered"}
        )
        assert answer.status_code == 200, answer.text
        assert [c["id"] for c in answer.json()["callbacks"]] == [ours["id"]]
        problem(
            support.post(
                "/api/v1/inbound-calls",
                json={"phone": PHONE, "stage": "answered", "service": "anytime"},
            ),
            403,
            "service-forbidden",
            None,
        )
    assert ivr.get(f"/api/v1/callbacks/{theirs['id']}").json()["state"] == "queued"
    with server.client(None) as anonymous:
        refused = anonymous.post("/api/v1/inbound-calls", json={"phone": PHONE, "stage": "queued"})
    assert refused.status_code == 401


def test_a_national_number_is_read_in_each_services_region(ivr: httpx.Client) -> None:
    british = ask(ivr, "anytime")
    answer = called_in(ivr, phone="020 7946 0911", stage="answered")
    assert [c["id"] for c in answer["callbacks"]] == [british["id"]]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"phone": PHONE}, 422, "invalid-request", "stage"),
        ({"phone": PHONE, "stage": "ringing"}, 422, "invalid-request", "stage"),
        ({"stage": "queued"}, 422, "invalid-request", "phone"),
        ({"phone": PHONE, "stage": "queued", "colour": "red"}, 422, "invalid-request", "colour"),
        ({"phone": PHONE, "stage": "queued", "data": {"k": 1}}, 422, "invalid-request", "data.k"),
        ({"phone": PHONE, "stage": "queued", "agent": ""}, 422, "invalid-request", "agent"),
        ({"phone": "hello", "stage": "queued"}, 422, "invalid-phone", "phone"),
        ({"phone": "12", "stage": "queued", "service": "anytime"}, 422, "invalid-request", "phone"),
        (
            {"phone": "+44 20 7946 0911 ext. 4", "stage": "queued"},
            422,
            "phone-extension",
            "phone",
        ),
        (
            {"phone": "0000 000", "stage": "answered", "service": "anytime"},
            422,
            "invalid-phone",
            "phone",
        ),
    ],
)
def test_bad_reports_are_refused_naming_the_field(
    ivr: httpx.Client, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    problem(ivr.post("/api/v1/inbound-calls", json=body), status, code, field)


def test_integrators_are_told_by_webhook(ivr: httpx.Client) -> None:
    hook = Receiver(new_secret())
    with listening(hook) as url:
        endpoint = ivr.post(
            "/api/v1/webhooks/endpoints",
            json={"url": url, "event_types": ["callback.completed", "callback.called_in"]},
        ).json()
        hook.secrets = [endpoint["secret"]]
        kept, completed = ask(ivr, "keeping"), ask(ivr, "anytime")
        called_in(ivr, stage="answered", reference="acd-9")
        deadline = time.monotonic() + 15
        while len(hook.received) < 2:
            assert time.monotonic() < deadline, "the webhooks did not arrive"
            time.sleep(0.05)
    events = {event.callback["id"]: event for event in hook.received}
    assert events[kept["id"]].type == "callback.called_in"
    assert events[kept["id"]].payload["data"]["change"] == {
        "event": "called_in",
        "from": "queued",
        "to": "queued",
    }
    assert events[completed["id"]].type == "callback.completed"
    assert events[completed["id"]].payload["data"]["change"] == {
        "event": "answered_elsewhere",
        "from": "queued",
        "to": "completed",
    }
    assert hook.forged == 0


def test_the_endpoint_is_in_the_openapi_document(ivr: httpx.Client) -> None:
    operation = ivr.get("/openapi.json").json()["paths"]["/api/v1/inbound-calls"]["post"]
    assert {"200", "401", "403", "404", "422", "429"} <= set(operation["responses"])
    assert operation["responses"]["404"]["content"]["application/problem+json"]


def test_merged_data_reaches_the_agent_the_callback_is_offered_to(
    server: RunningServer, ivr: httpx.Client
) -> None:
    ada = AgentDesk(server, "ada")
    try:
        assert ada.status("voice", "ready").status_code == 200
        made = ask(ivr, "merging", data={"account": "77"})
        offer = ada.wait_offer()
        assert offer["callback"]["id"] == made["id"]

        answer = called_in(ivr, stage="queued", data={"intent": "card"})
        [outcome] = answer["callbacks"]
        assert (outcome["outcome"], outcome["from_state"], outcome["state"]) == (
            "merged",
            "offered",
            "offered",
        )
        on_screen = ada.interaction(offer["id"])
        assert on_screen["state"] == "offered"  # still hers to accept
        assert on_screen["callback"]["data"] == {"account": "77", "intent": "card"}
        told = [h for h in ada.history(offer["id"]) if h["kind"] == "customer_called_in"]
        assert [h["detail"]["reason"] for h in told] == [outcome["reason"]]
    finally:
        ada.close()
