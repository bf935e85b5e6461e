"""The Callback API through a real server: every endpoint and every refusal."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer

pytestmark = pytest.mark.e2e


def soon(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def next_sunday_noon_utc() -> datetime:
    today = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(6 - today.weekday()) % 7 or 7)


def problem(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert body["field"] == field, body
    return body


def create(client: httpx.Client, **fields: Any) -> httpx.Response:
    body = {"service": "anytime", "phone": "+44 20 7946 0018"} | fields
    return client.post("/api/v1/callbacks", json=body)


def test_operations_endpoints(server: RunningServer) -> None:
    with server.client(None) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        spec = client.get("/openapi.json").json()
        assert "/api/v1/callbacks/{callback_id}/position" in spec["paths"]
        assert client.get("/docs").status_code == 200
        client.get("/api/v1/services")  # counted as a 401
        metrics = client.get("/metrics").text
    assert (
        'ringback_http_requests_total{method="GET",route="/api/v1/services",status="401"} 1.0'
        in metrics
    )
    assert "ringback_scheduler_lag_seconds" in metrics


LOOPS = (
    "timers",
    "routing",
    "outbox-relay",
    "hub",
    "mail",
    "webhooks",
    "expiry",
    "housekeeping",
    "switch-events",
)


def loop_figure(metrics: str, name: str, loop: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(f'ringback_loop_{name}{{loop="{loop}"}} '):
            return float(line.rpartition(" ")[2])
    raise AssertionError(f"no ringback_loop_{name} for {loop}")


def test_each_loop_of_the_node_is_counted_in_the_metrics(server: RunningServer) -> None:
    with server.client() as client:
        assert create(client).status_code == 201
        deadline = time.monotonic() + 20
        while True:
            metrics = client.get("/metrics").text
            # The request's event is delivered by the relay and its offer made by routing.
            delivered = loop_figure(metrics, "items_total", "outbox-relay")
            if delivered >= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert delivered >= 1
    for loop in LOOPS:
        assert loop_figure(metrics, "failures_total", loop) == 0, loop
        assert loop_figure(metrics, "lag_seconds", loop) >= 0, loop
    for loop in set(LOOPS) - {"switch-events"}:
        assert loop_figure(metrics, "passes_total", loop) >= 1, loop


def test_authentication_and_scope(server: RunningServer) -> None:
    with server.client(None) as anonymous:
        problem(anonymous.get("/api/v1/services"), 401, "unauthorized")
        wrong = anonymous.get(
            "/api/v1/services", headers={"Authorization": "Bearer rbk_00000000_nope"}
        )
        problem(wrong, 401, "unauthorized")
        assert wrong.headers["www-authenticate"].startswith("Bearer")
    with server.client("support-only") as scoped:
        assert [s["name"] for s in scoped.get("/api/v1/services").json()] == ["support"]
        problem(scoped.get("/api/v1/services/anytime"), 403, "service-forbidden")
        problem(create(scoped), 403, "service-forbidden")
    with server.client() as full:
        made = create(full).json()
        assert sorted(s["name"] for s in full.get("/api/v1/services").json()) == [
            "anytime",
            "preview",
            "returning",
            "support",
            "web",
        ]
    with server.client("support-only") as scoped:
        problem(scoped.get(f"/api/v1/callbacks/{made['id']}"), 404, "callback-not-found")
        assert scoped.get("/api/v1/callbacks").json()["items"] == []


def test_service_settings(server: RunningServer) -> None:
    with server.client() as client:
        support = client.get("/api/v1/services/support").json()
        problem(client.get("/api/v1/services/nope"), 404, "service-not-found")
    assert support["time_zone"] == "America/New_York"
    assert support["office_hours"]["monday"] == ["09:00-17:00"]
    assert support["slot_minutes"] == 30 and support["slot_capacity"] == 2
    assert isinstance(support["open_now"], bool) and support["next_open"]


def test_create_get_and_list(server: RunningServer) -> None:
    with server.client() as client:
        made = create(
            client,
            type="immediate",
            name="Ada",
            data={"order": "A-17"},
            instructions="Ask for Ada",
            channel="ivr",
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert made.headers["location"] == f"/api/v1/callbacks/{body['id']}"
        assert body | {
            "id": None,
            "created_at": None,
            "updated_at": None,
            "desired_time": None,
            "queued_at": None,
            "desired_time_local": None,
            "manage_url": None,
        } == {
            "id": None,
            "state": "queued",
            "service": "anytime",
            "phone": "+442079460018",
            "type": "immediate",
            "channel": "ivr",
            "desired_time": None,
            "desired_time_local": None,
            "time_zone": "Europe/London",
            "due_at": None,
            "queued_at": None,
            "slot": None,
            "name": "Ada",
            "email": None,
            "language": None,
            "data": {"order": "A-17"},
            "instructions": "Ask for Ada",
            "priority": 70,
            "attempts": 0,
            "max_attempts": 3,
            "created_at": None,
            "updated_at": None,
            "manage_url": None,
        }
        # The customer's page, on the address the request was made to (no public URL is set).
        assert body["manage_url"].startswith(f"{server.url}/c/")
        assert client.get(body["manage_url"]).status_code == 200
        assert client.get(f"/api/v1/callbacks/{body['id']}").json() == body
        create(client, phone="+44 20 7946 0019")
        create(client, phone="+44 20 7946 0020", type="delayed")
        by_phone = client.get("/api/v1/callbacks", params={"phone": "+442079460018"}).json()
        assert [c["id"] for c in by_phone["items"]] == [body["id"]]
        delayed = client.get(
            "/api/v1/callbacks", params={"state": "scheduled", "service": "anytime"}
        ).json()
        assert [c["phone"] for c in delayed["items"]] == ["+442079460020"]
        first = client.get("/api/v1/callbacks", params={"limit": 2}).json()
        second = client.get(
            "/api/v1/callbacks", params={"limit": 2, "cursor": first["next_cursor"]}
        ).json()
        assert (
            len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
        )
        assert {c["id"] for c in first["items"] + second["items"]} == {
            c["id"] for c in client.get("/api/v1/callbacks").json()["items"]
        }
        problem(
            client.get("/api/v1/callbacks", params={"cursor": "garbage"}),
            422,
            "invalid-cursor",
            "cursor",
        )
        problem(
            client.get("/api/v1/callbacks/00000000-0000-7000-8000-000000000000"),
            404,
            "callback-not-found",
        )


def test_national_numbers_use_the_service_region(server: RunningServer) -> None:
    with server.client() as client:
        made = client.post(
            "/api/v1/callbacks", json={"service": "returning", "phone": "06 12 34 56 78"}
        )
    assert made.json()["phone"] == "+33612345678"
    assert made.json()["time_zone"] == "Europe/Paris"


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"phone": "call me"}, 422, "invalid-phone", "phone"),
        ({"phone": "+44 20 7946"}, 422, "invalid-phone", "phone"),
        ({"phone": "+1 212 155 0142"}, 422, "invalid-phone", "phone"),
        ({"phone": "+1 900 555 0100"}, 422, "premium-rate-phone", "phone"),
        ({"service": "nope"}, 404, "service-not-found", None),
        (
            {
                "service": "returning",
                "type": "scheduled",
                "desired_time": "2030-01-01T10:00:00+01:00",
            },
            422,
            "callback-type-not-offered",
            "type",
        ),
        ({"desired_time": "2030-01-01T10:00:00Z"}, 422, "unexpected-desired-time", "desired_time"),
        ({"type": "scheduled"}, 422, "desired-time-required", "desired_time"),
        (
            {"type": "delayed", "desired_time": "2020-01-01T10:00:00Z"},
            422,
            "desired-time-in-past",
            "desired_time",
        ),
        (
            {"type": "scheduled", "desired_time": "2030-01-01T10:00:00Z"},
            422,
            "beyond-booking-horizon",
            "desired_time",
        ),
        (
            {"type": "delayed", "desired_time": "2030-01-01T10:00:00"},
            422,
            "invalid-request",
            "desired_time",
        ),
        ({"type": "sometime"}, 422, "invalid-request", "type"),
        ({"data": {"k": 5}}, 422, "invalid-request", "data.k"),
        ({"colour": "blue"}, 422, "invalid-request", "colour"),
        ({"time_zone": "Mars/Olympus"}, 422, "unknown-time-zone", "time_zone"),
    ],
)
def test_refusals_name_the_code_and_the_field(
    server: RunningServer, fields: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    with server.client() as client:
        problem(create(client, **fields), status, code, field)
        assert client.get("/api/v1/callbacks").json()["items"] == []


def test_timing_refusals_on_a_service_with_office_hours(server: RunningServer) -> None:
    with server.client() as client:
        too_soon = create(client, service="support", type="delayed", desired_time=soon(minutes=2))
        problem(too_soon, 422, "desired-time-too-soon", "desired_time")
        sunday = create(
            client,
            service="support",
            type="scheduled",
            desired_time=next_sunday_noon_utc().isoformat(),
        )
        body = problem(sunday, 422, "outside-office-hours", "desired_time")
        assert "America/New_York" in body["detail"]


def test_slots_fill_up(server: RunningServer) -> None:
    with server.client() as client:
        slots = client.get(
            "/api/v1/services/anytime/availability", params={"end": soon(hours=2)}
        ).json()["slots"]
        target = slots[2]
        assert (target["capacity"], target["booked"], target["available"]) == (1, 0, 1)
        at = target["start"]
        booked = create(client, type="scheduled", desired_time=at)
        assert booked.status_code == 201 and booked.json()["slot"]["start"] == at
        problem(
            create(client, type="scheduled", desired_time=at, phone="+44 20 7946 0999"),
            409,
            "slot-full",
            "desired_time",
        )
        after = client.get(
            "/api/v1/services/anytime/availability", params={"start": at, "end": soon(hours=2)}
        ).json()
        assert after["slots"][0] | {"start_local": None, "end_local": None} == target | {
            "booked": 1,
            "available": 0,
            "start_local": None,
            "end_local": None,
        }
        problem(
            client.get(
                "/api/v1/services/anytime/availability",
                params={"start": soon(hours=2), "end": soon(hours=1)},
            ),
            422,
            "invalid-range",
            "end",
        )
        problem(
            client.get("/api/v1/services/anytime/availability", params={"end": soon(days=40)}),
            422,
            "invalid-range",
            "end",
        )


def test_availability_shows_local_times(server: RunningServer) -> None:
    with server.client() as client:
        start = datetime.now(UTC) + timedelta(days=1)
        found = client.get(
            "/api/v1/services/support/availability",
            params={"start": start.isoformat(), "end": (start + timedelta(days=3)).isoformat()},
        ).json()
    assert found["time_zone"] == "America/New_York" and found["slots"]
    for slot in found["slots"]:
        local = datetime.fromisoformat(slot["start_local"])
        assert local == datetime.fromisoformat(slot["start"])
        assert local.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
        assert "09:00" <= local.strftime("%H:%M") < "17:00" or local.weekday() == 5


def test_duplicates_follow_the_service_policy(server: RunningServer) -> None:
    with server.client() as client:
        first = create(client, service="support").json()
        body = problem(
            create(client, service="support", phone="+44 20 7946 0018"),
            409,
            "duplicate-callback",
            "phone",
        )
        assert body["existing"] == [first["id"]]
        kept = client.post(
            "/api/v1/callbacks", json={"service": "returning", "phone": "+33 6 12 34 56 78"}
        )
        again = client.post(
            "/api/v1/callbacks", json={"service": "returning", "phone": "+33 6 12 34 56 78"}
        )
        assert (kept.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == kept.json()["id"]


def test_idempotency_key(server: RunningServer) -> None:
    with server.client() as client:
        first = client.post(
            "/api/v1/callbacks",
            json={"service": "anytime", "phone": "+44 20 7946 0018"},
            headers={"Idempotency-Key": "order-17"},
        )
        retry = client.post(
            "/api/v1/callbacks",
            json={"service": "anytime", "phone": "+44 20 7946 0018"},
            headers={"Idempotency-Key": "order-17"},
        )
        other = client.post(
            "/api/v1/callbacks",
            json={"service": "anytime", "phone": "+44 20 7946 0099"},
            headers={"Idempotency-Key": "order-17"},
        )
        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json()["id"] == first.json()["id"]
        assert retry.headers["idempotent-replayed"] == "true"
        problem(other, 422, "idempotency-key-reused", "Idempotency-Key")
        assert len(client.get("/api/v1/callbacks").json()["items"]) == 1


def test_cancel_reschedule_history_and_position(server: RunningServer) -> None:
    with server.client() as client:
        queued = [create(client, phone=f"+44 20 7946 00{n:02d}").json() for n in range(3)]
        position = client.get(f"/api/v1/callbacks/{queued[2]['id']}/position").json()
        assert (position["position"], position["ahead"], position["queue"]) == (3, 2, "support")
        # No agent works on the queue: a place in line, but no wait to promise.
        assert (position["estimated_wait_seconds"], position["estimated_wait_p90_seconds"]) == (
            None,
            None,
        )
        assert position["method"] == "no-agent-staffed"

        cancelled = client.post(
            f"/api/v1/callbacks/{queued[0]['id']}/cancel", json={"reason": "solved by e-mail"}
        )
        assert cancelled.json()["state"] == "cancelled"
        assert client.get(f"/api/v1/callbacks/{queued[2]['id']}/position").json()["position"] == 2
        problem(
            client.post(f"/api/v1/callbacks/{queued[0]['id']}/cancel"), 409, "illegal-transition"
        )
        past = {"desired_time": "2020-01-01T00:00:00Z"}
        problem(
            client.post(f"/api/v1/callbacks/{queued[0]['id']}/reschedule", json=past),
            409,
            "illegal-transition",
        )

        later = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        moved = client.post(
            f"/api/v1/callbacks/{queued[1]['id']}/reschedule",
            json={"desired_time": later.isoformat()},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["state"] == "scheduled" and moved.json()[
            "due_at"
        ] == later.isoformat().replace("+00:00", "Z")
        problem(
            client.post(
                f"/api/v1/callbacks/{queued[1]['id']}/reschedule",
                json={"desired_time": "2020-01-01T00:00:00Z"},
            ),
            422,
            "desired-time-in-past",
            "desired_time",
        )
        waiting = client.get(f"/api/v1/callbacks/{queued[1]['id']}/position").json()
        assert waiting["position"] is None and waiting["estimated_time"] == moved.json()["due_at"]

        history = client.get(f"/api/v1/callbacks/{queued[0]['id']}/history").json()
        assert [(h["event"], h["from_state"], h["to_state"]) for h in history] == [
            ("create", None, "queued"),
            ("cancel", "queued", "cancelled"),
        ]
        assert history[1]["reason"] == "solved by e-mail" and history[1]["actor"] == "api-key:all"


def test_scheduler_queues_a_delayed_callback_when_due(server: RunningServer) -> None:
    with server.client() as client:
        due = datetime.now(UTC) + timedelta(seconds=1.5)
        made = create(client, type="delayed", desired_time=due.isoformat()).json()
        assert made["state"] == "scheduled"
        deadline = time.monotonic() + 10
        while client.get(f"/api/v1/callbacks/{made['id']}").json()["state"] != "queued":
            assert time.monotonic() < deadline, "the callback never became due"
            time.sleep(0.1)
        history = client.get(f"/api/v1/callbacks/{made['id']}/history").json()
    assert [h["event"] for h in history] == ["create", "due"]
    assert datetime.fromisoformat(history[1]["at"]) >= due


def test_rate_limit_per_key(server: RunningServer) -> None:
    with server.client("tight") as client:
        assert [client.get("/api/v1/services").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/services")
    body = problem(refused, 429, "rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert body["retry_after"] == int(refused.headers["retry-after"])


def test_refused_requests_count_against_the_key_budget(server: RunningServer) -> None:
    second = datetime.now(UTC).second
    if second >= 57:  # the budget's window is the minute: start inside one
        time.sleep(61 - second)
    with server.client("strict") as client:
        problem(client.get("/api/v1/services/no-such-service"), 404, "service-not-found")
        problem(create(client, phone="not a number"), 422, "invalid-phone", "phone")
        refused = create(client, phone="+44 20 7946 0777")
    problem(refused, 429, "rate-limited")
    with server.client() as client:
        listed = client.get("/api/v1/callbacks", params={"phone": "+442079460777"}).json()
    assert listed["items"] == []  # the refused request was rolled back whole


def test_rate_limit_per_phone(start_server: Callable[..., RunningServer]) -> None:
    server = start_server(rate_limit_per_phone_per_hour=2)
    with server.client() as client:
        assert [create(client).status_code for _ in range(2)] == [201, 201]
        refused = create(client, phone="+442079460018")
        assert create(client, phone="+44 20 7946 0019").status_code == 201
    problem(refused, 429, "rate-limited")
    assert int(refused.headers["retry-after"]) <= 3600


def test_revoked_key_is_refused(server: RunningServer) -> None:
    import asyncio

    from ringback.apikeys.service import revoke_key
    from ringback.db import Database

    async def revoke() -> None:
        db = Database(server.database_url)
        async with db.transaction() as session:
            await revoke_key(session, name="support-only", now=datetime.now(UTC))
        await db.dispose()

    with server.client("support-only") as client:
        assert client.get("/api/v1/services").status_code == 200
        asyncio.run(revoke())
        body = problem(client.get("/api/v1/services"), 401, "unauthorized")
    assert "revoked" in body["detail"]


def test_errors_outside_the_api_rules_are_problems_too(server: RunningServer) -> None:
    with server.client() as client:
        problem(client.get("/nowhere"), 404, "not-found")
        refused = client.delete("/api/v1/services")
        problem(refused, 405, "method-not-allowed")
        assert refused.headers["allow"] == "GET"
        # A path with several operations names them all.
        assert client.delete("/api/v1/callbacks").headers["allow"] == "GET, POST"
        broken = client.post(
            "/api/v1/callbacks", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert problem(broken, 422, "invalid-request").get("field") is None
        naive = base64.urlsafe_b64encode(b"2026-01-01T00:00:00|" + str(uuid.uuid4()).encode())
        problem(
            client.get("/api/v1/callbacks", params={"cursor": naive.decode()}),
            422,
            "invalid-cursor",
        )


def test_times_are_returned_in_utc_whatever_offset_was_sent(server: RunningServer) -> None:
    at = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    paris = at.astimezone(timezone(timedelta(hours=1)))
    with server.client() as client:
        made = create(client, type="delayed", desired_time=paris.isoformat()).json()
    assert made["desired_time"] == made["due_at"] == at.isoformat().replace("+00:00", "Z")


def test_return_existing_remembers_the_idempotency_key(server: RunningServer) -> None:
    body = {"service": "returning", "phone": "+33 6 12 34 56 78"}
    with server.client() as client:
        first = client.post("/api/v1/callbacks", json=body)
        existing = client.post("/api/v1/callbacks", json=body, headers={"Idempotency-Key": "a"})
        replay = client.post("/api/v1/callbacks", json=body, headers={"Idempotency-Key": "a"})
    assert first.json()["id"] == existing.json()["id"] == replay.json()["id"]
    assert "idempotent-replayed" not in existing.headers
    assert replay.headers["idempotent-replayed"] == "true"
