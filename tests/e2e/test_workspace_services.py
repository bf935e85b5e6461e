"""The callback services and their open slots, as a signed-in agent reads them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.e2e.conftest import RunningServer
from tests.e2e.test_workspace_voice import request_callback
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "ada")
    yield desk
    desk.close()


def test_agents_list_the_services_with_what_the_desktop_needs(ada: AgentDesk) -> None:
    listed = ada.http.get("/services")
    assert listed.status_code == 200, listed.text
    services = {s["name"]: s for s in listed.json()}
    assert list(services) == ["support", "anytime", "returning", "web", "preview"]
    web = services["web"]
    assert web["display_name"] == "Web callback" and web["channel"] == "webcallback"
    assert web["disposition_required"] is True
    assert web["preview"] == {
        "enabled": True,
        "fields": ["name", "phone", "data.topic", "instructions"],
    }
    anytime = services["anytime"]
    assert anytime["display_name"] == "anytime"  # no display name configured
    assert anytime["dispositions"] == ["resolved"]
    assert (anytime["slot_minutes"], anytime["slot_capacity"]) == (15, 1)
    assert anytime["time_zone"] == "UTC" and anytime["channel"] == "voice"
    assert anytime["default_region"] == "GB"  # how the desktop formats the service's numbers
    assert services["support"]["default_region"] == "US"
    assert anytime["types"] == ["immediate", "delayed", "scheduled"]
    assert anytime["open_now"] is True
    assert services["returning"]["types"] == ["immediate", "delayed"]


def test_availability_is_the_callback_apis_for_the_same_span(
    server: RunningServer, ada: AgentDesk
) -> None:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    booked = request_callback(
        server,
        "+44 20 7946 0081",
        type="scheduled",
        desired_time=(start + timedelta(minutes=5)).isoformat(),
    )
    assert booked["state"] == "scheduled"
    mine = ada.http.get(
        "/services/anytime/availability", params={"from": start.isoformat(), "days": 1}
    )
    assert mine.status_code == 200, mine.text
    public = httpx.get(
        f"{server.url}/api/v1/services/anytime/availability",
        params={"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()},
        headers={"Authorization": f"Bearer {server.keys['all']}"},
    )
    assert mine.json() == public.json()
    slots = mine.json()["slots"]
    assert len(slots) == 96  # a day of 15-minute slots on an always-open service
    first = slots[0]
    assert (first["capacity"], first["booked"], first["available"]) == (1, 1, 0)
    assert slots[1]["available"] == 1
    default = ada.http.get("/services/anytime/availability")
    assert default.status_code == 200 and default.json()["service"] == "anytime"


def test_unknown_services_and_bad_spans_are_refused(server: RunningServer, ada: AgentDesk) -> None:
    missing = ada.http.get("/services/nope/availability")
    assert missing.status_code == 404 and missing.json()["code"] == "service-not-found"
    too_long = ada.http.get("/services/anytime/availability", params={"days": 32})
    assert too_long.status_code == 422 and too_long.json()["field"] == "days"
    naive = ada.http.get("/services/anytime/availability", params={"from": "2026-12-01T10:00"})
    assert naive.status_code == 422 and naive.json()["field"] == "from"
    stranger = httpx.get(f"{server.url}/api/v1/workspace/services")
    assert stranger.status_code == 401 and stranger.json()["code"] == "not-signed-in"


def test_an_agent_reads_what_waits_in_their_queues(server: RunningServer, ada: AgentDesk) -> None:
    request_callback(server, "+44 20 7946 0091")
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
    request_callback(server, "+44 20 7946 0092", type="scheduled", desired_time=due.isoformat())
    listed = ada.http.get("/queues")
    assert listed.status_code == 200, listed.text
    queues = {q["service"]: q for q in listed.json()}
    assert list(queues) == ["support", "anytime", "returning", "web", "preview"]
    anytime = queues["anytime"]
    assert anytime["display_name"] == "anytime" and anytime["queue"] == "support"
    assert (anytime["channel"], anytime["waiting"], anytime["scheduled"]) == ("voice", 1, 1)
    next_at = datetime.fromisoformat(anytime["next_scheduled_at"])
    assert next_at.utcoffset() == timedelta(0) and abs(next_at - due) < timedelta(minutes=15)
    assert queues["web"]["channel"] == "webcallback" and queues["web"]["waiting"] == 0
    assert queues["support"]["next_scheduled_at"] is None
    # Sue holds none of the support queue's skills.
    sue = AgentDesk(server, "sue")
    try:
        assert sue.http.get("/queues").json() == []
    finally:
        sue.close()
    stranger = httpx.get(f"{server.url}/api/v1/workspace/queues")
    assert stranger.status_code == 401 and stranger.json()["code"] == "not-signed-in"
