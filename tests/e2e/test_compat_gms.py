"""The GMS callback API against a real ``ringback serve``, with a plain HTTP client sending
what the vendor's web widgets (form fields) and mobile samples (JSON) send."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.e2e.compat import CompatServer, compat_server

pytestmark = pytest.mark.e2e

V1 = "/genesys/1/service/callback"
V2 = "/genesys/2/service/callback"


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[CompatServer]:
    with compat_server(database_url, tmp_path / "serve.log") as running:
        yield running


def naive_in_hours(hours: int) -> str:
    """A time on the hour without an offset, as a widget's date picker sends it (UTC)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return (now + timedelta(hours=hours)).replace(tzinfo=None).isoformat()


def gms_text(naive: str) -> str:
    return naive + ".000Z"


def refusal(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error and body["message"] and body["exception"], body
    return body


def native(server: CompatServer, callback_id: str) -> dict[str, Any]:
    with server.native() as api:
        body: dict[str, Any] = api.get(f"/api/v1/callbacks/{callback_id}").json()
    return body


def by_id(client: httpx.Client, callback_id: str) -> dict[str, Any]:
    found = client.get(V1, params={"_id": callback_id})
    assert found.status_code == 200, found.text
    records: list[dict[str, Any]] = found.json()
    assert len(records) == 1
    return records[0]


def test_a_widgets_form_and_an_apps_json_from_request_to_cancel(server: CompatServer) -> None:
    at = naive_in_hours(4)
    with server.client() as gms:
        # The web widget: form fields, a national number, a time without an offset.
        form = gms.post(
            f"{V1}/callback-anytime",
            data={
                "_customer_number": "020 7946 0411",
                "_desired_time": at,
                "first_name": "Ada",
                "topic": "card",
            },
        )
        assert form.status_code == 200, form.text
        widget_id = form.json()["_id"]
        # The mobile app: JSON, as soon as possible.
        app = gms.post(
            f"{V1}/anytime",
            json={"_customer_number": "+44 20 7946 0412", "order": 42, "vip": True},
        )
        assert app.status_code == 200, app.text
        app_id = app.json()["_id"]

        ours = native(server, widget_id)  # one id: GMS's _id is Ringback's callback id
        assert ours["state"] == "scheduled" and ours["channel"] == "mobile"
        assert ours["phone"] == "+442079460411"
        assert datetime.fromisoformat(ours["desired_time"]) == datetime.fromisoformat(at).replace(
            tzinfo=UTC
        )
        assert ours["data"] == {"first_name": "Ada", "topic": "card"}
        assert native(server, app_id)["data"] == {"order": "42", "vip": "true"}
        assert native(server, app_id)["state"] == "queued"

        record = by_id(gms, widget_id)
        assert record == {
            "_id": widget_id,
            "_service_name": "anytime",
            "_customer_number": "+442079460411",
            "_desired_time": gms_text(at),
            "_callback_state": "SCHEDULED",
            # The service expires a callback no agent took 48 hours after its desired time.
            "_expiration_time": gms_text(
                (datetime.fromisoformat(at) + timedelta(hours=48)).isoformat()
            ),
            "first_name": "Ada",
            "topic": "card",
        }
        assert gms.get(V1, params={"_id": str(uuid.uuid4())}).json() == []

        def search(**query: str) -> list[str]:
            found = gms.get(f"{V1}/anytime", params=query)
            assert found.status_code == 200, found.text
            return [r["_id"] for r in found.json()]

        assert search(_customer_number="020 7946 0411") == [widget_id]
        assert search(topic="card", _callback_state="SCHEDULED") == [widget_id]
        assert search(topic="card", _callback_state="QUEUED") == []
        assert search(topic="card", order="42") == []
        assert search(topic="card", order="42", operand="OR") == [app_id, widget_id]
        assert search(_callback_state="queued") == [app_id]
        refusal(gms.get(f"{V1}/anytime", params={"_callback_state": "LOST"}), 400, "invalid-state")

        moved = gms.put(
            f"{V1}/anytime/{widget_id}",
            data={"_new_desired_time": naive_in_hours(5), "note": "after lunch"},
        )
        assert moved.status_code == 200 and moved.json() == {"_id": widget_id}, moved.text
        record = by_id(gms, widget_id)
        assert record["_desired_time"] == gms_text(naive_in_hours(5))
        assert record["note"] == "after lunch"
        moved = gms.put(f"{V1}/anytime/{widget_id}", json={"_new_desired_time": naive_in_hours(6)})
        assert by_id(gms, widget_id)["_desired_time"] == gms_text(naive_in_hours(6))
        refusal(gms.put(f"{V1}/support/{widget_id}", json={"x": "y"}), 404, "callback-not-found")
        with server.native() as api:
            events = [h["event"] for h in api.get(f"/api/v1/callbacks/{widget_id}/history").json()]
        assert events == ["create", "reschedule", "reschedule"]

        cancelled = gms.delete(f"{V1}/callback-anytime/{widget_id}")
        assert cancelled.status_code == 200, cancelled.text
        record = by_id(gms, widget_id)
        assert (record["_callback_state"], record["_callback_reason"]) == ("COMPLETED", "CANCELLED")
        assert record["_expiration_time"] is None  # cancelled: it will never expire
        assert native(server, widget_id)["state"] == "cancelled"
        assert search(_callback_reason="CANCELLED") == [widget_id]
        refusal(gms.delete(f"{V1}/anytime/{widget_id}"), 400, "illegal-transition")


def test_availability_v1_and_v2_and_a_full_slot(server: CompatServer) -> None:
    at = naive_in_hours(6)
    with server.client() as gms:
        query = {"start": at, "number-of-days": "1", "max-time-slots": "4"}
        free = gms.get(f"{V1}/anytime/availability", params=query)
        assert free.status_code == 200, free.text
        start = datetime.fromisoformat(at)
        slots = [gms_text((start + timedelta(minutes=15 * i)).isoformat()) for i in range(4)]
        assert free.json() == dict.fromkeys(slots, 1)

        made = gms.post(
            f"{V1}/anytime", data={"_customer_number": "+44 20 7946 0421", "_desired_time": at}
        )
        assert made.status_code == 200, made.text
        full = gms.post(
            f"{V1}/anytime", json={"_customer_number": "+44 20 7946 0422", "_desired_time": at}
        )
        body = refusal(full, 400, "slot-full")
        assert body["exception"].endswith("CallbackExceptionAvailability")
        assert body["field"] == "_desired_time"
        assert slots[0] not in body["availability"] and body["availability"][slots[1]] == 1

        after = gms.get(f"{V1}/anytime/availability", params=query).json()
        assert list(after) == [*slots[1:], gms_text((start + timedelta(minutes=60)).isoformat())]
        busy = gms.get(f"{V1}/anytime/availability", params=query | {"report-busy": "true"})
        assert busy.json() == {slots[0]: 0} | dict.fromkeys(slots[1:], 1)

        zone = ZoneInfo("America/New_York")
        v2 = gms.get(f"{V2}/support/availability", params={"number-of-days": "3"})
        assert v2.status_code == 200, v2.text
        answer = v2.json()
        assert answer["durationMin"] == 30 and answer["timezone"] == "America/New_York"
        assert answer["slots"], answer
        for slot in answer["slots"]:
            utc = datetime.fromisoformat(slot["utcTime"].replace("Z", "+00:00"))
            assert slot["localTime"] == utc.astimezone(zone).isoformat(timespec="milliseconds")
            assert slot["capacity"] == slot["total"] == 2
        assert (
            len(
                gms.get(
                    f"{V2}/support/availability",
                    params={"max-time-slots": "3", "number-of-days": "3"},
                ).json()["slots"]
            )
            == 3
        )
        refusal(
            gms.get(f"{V1}/anytime/availability", params={"start": "tomorrow"}), 400, "invalid-time"
        )
        refusal(
            gms.get(f"{V1}/anytime/availability", params={"number-of-days": "40"}),
            400,
            "invalid-request",
        )


def test_refusals_in_the_vendors_shape(server: CompatServer) -> None:
    with server.client() as gms:
        body = refusal(gms.post(f"{V1}/anytime", data={"topic": "card"}), 400, "phone-required")
        assert body["field"] == "_customer_number"
        refusal(
            gms.post(
                f"{V1}/anytime",
                json={"_customer_number": "+44 20 7946 0431", "_desired_time": "soon"},
            ),
            400,
            "invalid-time",
        )
        refusal(gms.post(f"{V1}/anytime", json={"_customer_number": "12"}), 400, "invalid-phone")
        refusal(
            gms.post(f"{V1}/nowhere", json={"_customer_number": "+44 20 7946 0432"}),
            404,
            "service-not-found",
        )
        refusal(
            gms.post(f"{V1}/anytime", content=b"[1]", headers={"Content-Type": "application/json"}),
            400,
            "invalid-request",
        )
    with server.client("support-only") as scoped:
        refusal(
            scoped.post(f"{V1}/anytime", json={"_customer_number": "+44 20 7946 0433"}),
            403,
            "service-forbidden",
        )
    with server.client(None) as anonymous:
        denied = refusal(anonymous.get(f"{V1}/anytime"), 401, "unauthorized")
        assert denied["message"]
        wrong = anonymous.get(f"{V1}/anytime", auth=("rbk_00000000", "nope"))
        assert refusal(wrong, 401, "unauthorized") and "Basic" in wrong.headers["www-authenticate"]
        # The key itself as a bearer token is taken too.
        bearer = anonymous.get(
            f"{V1}/anytime", headers={"Authorization": f"Bearer {server.keys['all']}"}
        )
        assert bearer.status_code == 200 and bearer.json() == []
    with server.client("strict") as strict:  # two requests a minute
        for _ in range(2):
            assert strict.get(f"{V1}/anytime").status_code == 200
        limited = refusal(strict.get(f"{V1}/anytime"), 429, "rate-limited")
        assert int(strict.get(f"{V1}/anytime").headers["retry-after"]) >= 1
        assert "2 per" in limited["message"]


def test_fields_added_on_update_are_bounded_like_the_callbacks_data(server: CompatServer) -> None:
    with server.client() as gms:
        made = gms.post(f"{V1}/anytime", json={"_customer_number": "+44 20 7946 0441"})
        callback_id = made.json()["_id"]
        long_key = gms.put(f"{V1}/anytime/{callback_id}", data={"k" * 65: "v"})
        assert refusal(long_key, 400, "invalid-request")["field"] == "k" * 65
        long_value = gms.put(f"{V1}/anytime/{callback_id}", json={"note": "x" * 1001})
        assert refusal(long_value, 400, "invalid-request")["field"] == "note"
        many = gms.put(f"{V1}/anytime/{callback_id}", json={f"k{i}": "v" for i in range(51)})
        refusal(many, 400, "invalid-request")
        assert gms.put(f"{V1}/anytime/{callback_id}", json={"note": "ok"}).status_code == 200
        assert by_id(gms, callback_id)["note"] == "ok"
