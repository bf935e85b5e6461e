"""The webhooks API over HTTP, on a real server: an API key's endpoints and their delivery log,
redelivery, refusals as problem details naming the field; the supervisor's list."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer, prepare, serving
from tests.e2e.workspace import AgentDesk
from tests.webhooks.receiver import Receiver, listening

from ringback.settings import Settings
from ringback.webhooks.config import new_secret

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(database_url: str) -> Iterator[RunningServer]:
    """Ringback under uvicorn on this test's database, with the e2e API keys."""
    keys = prepare(database_url)
    settings = Settings(database_url=database_url, scheduler_max_sleep_seconds=0.2)
    with serving(settings) as url:
        yield RunningServer(url, keys, database_url)


@pytest.fixture
def crm(server: RunningServer) -> Iterator[httpx.Client]:
    """The Callback API with a key for every service."""
    with server.client("all") as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver(new_secret())
    with listening(hook) as url:
        yield hook, url


def wait_for(condition: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_an_integrator_subscribes_reads_the_log_and_asks_again(
    server: RunningServer, crm: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    made = crm.post(
        "/api/v1/webhooks/endpoints",
        json={
            "url": url,
            "description": "CRM",
            "event_types": ["callback.created", "callback.cancelled"],
        },
    )
    assert made.status_code == 201, made.text
    endpoint = made.json()
    assert made.headers["location"] == f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"] is True
    hook.secrets = [endpoint["secret"]]
    assert (
        crm.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/secret").json()["secret"]
        == (endpoint["secret"])
    )
    assert "secret" not in crm.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json()

    asked = crm.post(
        "/api/v1/callbacks", json={"service": "anytime", "phone": "+44 20 7946 0911"}
    ).json()
    cancelled = crm.post(f"/api/v1/callbacks/{asked['id']}/cancel", json={"reason": "no"})
    assert cancelled.status_code == 200
    wait_for(lambda: len(hook.received) == 2)
    assert hook.types() == ["callback.created", "callback.cancelled"] and hook.forged == 0
    # As the Callback API showed it, but for the customer's link, which only its answers carry.
    shown = cancelled.json() | {"manage_url": None}
    assert hook.received[1].callback == shown

    wait_for(  # recorded once the answer is in, just after the receiver has it
        lambda: (
            crm.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json()["pending_deliveries"]
            == 0
        )
    )
    log = crm.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries", params={"limit": 1})
    assert log.status_code == 200
    page = log.json()
    newest = page["items"][0]
    assert newest["event_type"] == "callback.cancelled" and newest["state"] == "delivered"
    assert newest["attempts"] == 1 and newest["last_status"] == 204
    assert newest["event_id"] == hook.received[1].webhook_id
    older = crm.get(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries",
        params={"cursor": page["next_cursor"]},
    ).json()
    assert [d["event_type"] for d in older["items"]] == ["callback.created"]
    assert older["next_cursor"] is None
    detail = crm.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{newest['id']}")
    assert detail.json()["attempt_log"][0]["status"] == 204
    assert detail.json()["payload"]["data"]["callback"] == shown

    again = crm.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{newest['id']}/redeliver"
    )
    assert again.status_code == 202 and again.json()["redelivery"] is True
    wait_for(lambda: len(hook.received) == 3)
    assert hook.received[2].webhook_id == hook.received[1].webhook_id
    ranged = crm.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/redeliver",
        json={"since": "2000-01-01T00:00:00Z"},
    )
    assert ranged.status_code == 202 and ranged.json() == {"deliveries": 2}
    wait_for(lambda: len(hook.received) == 5)

    wait_for(lambda: crm.get("/api/v1/webhooks/endpoints").json()[0]["pending_deliveries"] == 0)
    assert [e["id"] for e in crm.get("/api/v1/webhooks/endpoints").json()] == [endpoint["id"]]
    # Another key does not see it.
    with server.client("support-only") as other:
        assert other.get("/api/v1/webhooks/endpoints").json() == []
        hidden = other.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "webhook-endpoint-not-found"

    gone = crm.delete(f"/api/v1/webhooks/endpoints/{endpoint['id']}")
    assert gone.status_code == 204
    assert crm.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"url": "ftp://example.com/x"}, "invalid-webhook-url", "url"),
        ({"url": "https://example.com/x#here"}, "invalid-webhook-url", "url"),
        ({"url": "/relative"}, "invalid-webhook-url", "url"),
        ({"url": "https://e.example/x", "secret": "hunter2"}, "invalid-webhook-secret", "secret"),
        (
            {"url": "https://e.example/x", "secret": "whsec_c2hvcnQ="},
            "invalid-webhook-secret",
            "secret",
        ),
        (
            {"url": "https://e.example/x", "event_types": ["callback.lost"]},
            "invalid-request",
            "event_types.0",
        ),
        ({"url": "https://e.example/x", "event_types": []}, "invalid-request", "event_types"),
        ({"url": "https://e.example/x", "services": ["nowhere"]}, "unknown-service", "services"),
        ({"url": "https://e.example/x", "colour": "red"}, "invalid-request", "colour"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field(
    crm: httpx.Client, body: dict[str, Any], code: str, field: str
) -> None:
    refused = crm.post("/api/v1/webhooks/endpoints", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == code and refused.json()["field"] == field


def test_a_key_subscribes_only_to_its_own_services(server: RunningServer) -> None:
    with server.client("support-only") as narrow:
        refused = narrow.post(
            "/api/v1/webhooks/endpoints",
            json={"url": "https://e.example/x", "services": ["anytime"]},
        )
    assert refused.status_code == 403
    assert refused.json()["code"] == "service-forbidden" and refused.json()["field"] == "services"
    unauthenticated = httpx.get(f"{server.url}/api/v1/webhooks/endpoints")
    assert unauthenticated.status_code == 401


def test_a_bad_cursor_or_range_is_refused(crm: httpx.Client) -> None:
    endpoint = crm.post("/api/v1/webhooks/endpoints", json={"url": "https://e.example/x"}).json()
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    bad = crm.get(f"{base}/deliveries", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-cursor"
    backwards = crm.post(
        f"{base}/redeliver",
        json={"since": "2026-12-07T10:00:00Z", "until": "2026-12-07T09:00:00Z"},
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "until"
    naive = crm.post(f"{base}/redeliver", json={"since": "2026-12-07T10:00:00"})
    assert naive.status_code == 422 and naive.json()["field"] == "since"
    missing = crm.post(f"{base}/deliveries/42/redeliver")
    assert missing.status_code == 404 and missing.json()["code"] == "webhook-delivery-not-found"
    nulled = crm.patch(base, json={"url": None})
    assert nulled.status_code == 422 and nulled.json()["field"] == "url"


def test_a_supervisor_sees_every_endpoint_and_enables_a_disabled_one(
    server: RunningServer, crm: httpx.Client
) -> None:
    endpoint = crm.post(
        "/api/v1/webhooks/endpoints", json={"url": "https://e.example/x", "description": "CRM"}
    ).json()
    paused = crm.patch(f"/api/v1/webhooks/endpoints/{endpoint['id']}", json={"enabled": False})
    assert paused.json()["enabled"] is False
    assert paused.json()["disabled_reason"] == "disabled through the API"
    sue = AgentDesk(server, "sue")
    ada = AgentDesk(server, "ada")
    try:
        seen = sue.http.get("/supervisor/webhooks")
        assert seen.status_code == 200
        row = next(e for e in seen.json() if e["id"] == endpoint["id"])
        assert row["enabled"] is False and row["api_key"] == "all" and row["source"] == "api"
        assert "secret" not in row
        assert ada.http.get("/supervisor/webhooks").status_code == 403
        enabled = sue.http.post(f"/supervisor/webhooks/{endpoint['id']}/enable")
        assert enabled.status_code == 200 and enabled.json()["enabled"] is True
    finally:
        sue.close()
        ada.close()
