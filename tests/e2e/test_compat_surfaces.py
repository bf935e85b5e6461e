"""One callback, three surfaces: whichever API asked for it, it reaches an agent like any
other, and Ringback's API, Genesys Cloud's and GMS's each show where it stands."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import PureCloudPlatformClientV2 as genesys
import pytest
from tests.e2e.compat import QUEUE_ID, CompatServer, compat_server
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e

GENESYS = "/api/v2/conversations/callbacks"
GMS = "/genesys/1/service/callback"


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[CompatServer]:
    with compat_server(database_url, tmp_path / "serve.log") as running:
        yield running


def through_genesys(server: CompatServer, phone: str) -> str:
    client = genesys.api_client.ApiClient(host=server.url)
    oauth = server.oauth()
    client.get_client_credentials_token(oauth.client_id, oauth.client_secret)
    body = genesys.CreateCallbackCommand()
    body.queue_id = QUEUE_ID
    body.callback_numbers = [phone]
    body.callback_user_name = "Grace Hopper"
    body.data = {"account": "A-1"}
    made = genesys.ConversationsApi(client).post_conversations_callbacks(body)
    callback_id: str = made.conversation.id
    return callback_id


def through_gms(server: CompatServer, phone: str) -> str:
    with server.client() as gms:
        made = gms.post(f"{GMS}/anytime", data={"_customer_number": phone, "account": "A-1"})
    assert made.status_code == 200, made.text
    callback_id: str = made.json()["_id"]
    return callback_id


def through_ringback(server: CompatServer, phone: str) -> str:
    with server.native() as api:
        made = api.post(
            "/api/v1/callbacks",
            json={"service": "anytime", "phone": phone, "data": {"account": "A-1"}},
        )
    assert made.status_code == 201, made.text
    callback_id: str = made.json()["id"]
    return callback_id


def seen(server: CompatServer, callback_id: str) -> tuple[str, str, dict[str, Any]]:
    """What each surface shows: Ringback's state, GMS's state, Genesys Cloud's participants."""
    with server.native() as api:
        ours = api.get(f"/api/v1/callbacks/{callback_id}").json()["state"]
    with server.client() as gms:
        [record] = gms.get(GMS, params={"_id": callback_id}).json()
    with server.client() as cloud:  # HTTP Basic works on this surface too
        conversation = cloud.get(f"{GENESYS}/{callback_id}").json()
    by_purpose = {p["purpose"]: p for p in conversation["participants"]}
    return ours, record["_callback_state"], by_purpose


def seen_once(
    server: CompatServer, callback_id: str, state: str, timeout: float = 10
) -> tuple[str, str, dict[str, Any]]:
    """What each surface shows once Ringback's state is ``state`` (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = seen(server, callback_id)
        if shown[0] == state or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)


@pytest.mark.parametrize(
    "ask", [through_genesys, through_gms, through_ringback], ids=["genesys", "gms", "ringback"]
)
def test_a_callback_from_each_surface_reaches_an_agent_and_reads_the_same_everywhere(
    server: CompatServer, ask: Callable[[CompatServer, str], str]
) -> None:
    callback_id = ask(server, "+44 20 7946 0511")
    ours, gms_state, participants = seen(server, callback_id)
    assert (ours, gms_state) == ("queued", "QUEUED")
    assert participants["customer"]["attributes"]["ringback.state"] == "queued"
    assert "agent" not in participants

    ada = AgentDesk(server.running(), "ada")
    try:
        assert ada.status("voice", "ready").status_code == 200
        offered = ada.wait_offer()
        assert offered["callback"]["id"] == callback_id
        assert offered["callback"]["data"]["account"] == "A-1"
        ours, gms_state, participants = seen(server, callback_id)
        assert (ours, gms_state) == ("offered", "ROUTING")
        agent = participants["agent"]
        assert agent["user"]["id"] == "ada" and agent["state"] == "alerting"

        assert ada.act(offered["id"], "accept").status_code == 200
        ada.wait_state(offered["id"], "connected")
        # The call's connection and the dial's answer are two events of the switch, applied
        # one after the other: the callback may still be dialling for a moment.
        ours, gms_state, participants = seen_once(server, callback_id, "connected")
        assert (ours, gms_state) == ("connected", "PROCESSING")
        assert participants["customer"]["state"] == "connected"
        assert participants["agent"]["state"] == "connected"
        assert participants["acd"]["state"] == "disconnected"

        ada.act(offered["id"], "end-call")
        ada.wait_state(offered["id"], "ready_to_call")
        assert ada.act(offered["id"], "done").status_code == 200
    finally:
        ada.close()
    ours, gms_state, participants = seen(server, callback_id)
    assert (ours, gms_state) == ("completed", "COMPLETED")
    assert participants["customer"]["disconnectType"] == "endpoint"
    assert participants["agent"]["state"] == "disconnected"
    with server.client() as gms:
        [record] = gms.get(GMS, params={"_id": callback_id}).json()
    assert record["_callback_reason"] == "COMPLETED"


def test_a_callback_is_moved_and_cancelled_on_other_surfaces(server: CompatServer) -> None:
    from_gms = through_gms(server, "+44 20 7946 0521")
    with server.client() as cloud:
        moved = cloud.patch(
            GENESYS,
            json={"conversationId": from_gms, "callbackScheduledTime": "2099-01-01T10:00:00"},
        )
    # Beyond the booking horizon: the same rule as on Ringback's API, in the vendor's shape.
    assert moved.status_code == 400 and moved.json()["code"] == "beyond-booking-horizon"
    with server.native() as api:
        cancelled = api.post(f"/api/v1/callbacks/{from_gms}/cancel", json={"reason": "sorted"})
    assert cancelled.status_code == 200
    assert seen(server, from_gms)[:2] == ("cancelled", "COMPLETED")

    from_genesys = through_genesys(server, "+44 20 7946 0522")
    with server.client() as gms:
        assert gms.delete(f"{GMS}/anytime/{from_genesys}").status_code == 200
    ours, _, participants = seen(server, from_genesys)
    assert ours == "cancelled" and participants["customer"]["disconnectType"] == "client"


def test_skill_ids_route_to_agents_with_those_skills(server: CompatServer) -> None:
    client = genesys.api_client.ApiClient(host=server.url)
    client.access_token = server.keys["all"]
    api = genesys.ConversationsApi(client)

    def ask(phone: str, skills: list[str]) -> str:
        body = genesys.CreateCallbackCommand()
        body.queue_id = "anytime"
        body.callback_numbers = [phone]
        body.routing_data = genesys.RoutingData()
        body.routing_data.skill_ids = skills
        made: str = api.post_conversations_callbacks(body).conversation.id
        return made

    nobody_has = ask("+44 20 7946 0531", ["mortgages"])
    ada_has = ask("+44 20 7946 0532", ["support"])
    ada = AgentDesk(server.running(), "ada")  # skills: support
    try:
        ada.status("voice", "ready")
        offered = ada.wait_offer()
        assert offered["callback"]["id"] == ada_has  # the older one needs a skill she lacks
        assert offered["callback"]["data"]["required_skills"] == "support"
    finally:
        ada.close()
    assert seen(server, nobody_has)[:2] == ("queued", "QUEUED")


def test_each_surface_can_be_turned_off_on_a_node(database_url: str, tmp_path: Path) -> None:
    options = ("--no-genesys-cloud-api", "--no-gms-api")
    with compat_server(database_url, tmp_path / "serve.log", options=options) as server:
        with server.client() as client:
            assert client.post(GENESYS, json={"callbackNumbers": ["+1"]}).status_code == 404
            assert client.get(f"{GMS}/anytime").status_code == 404
            assert client.post("/oauth/token", data={"grant_type": "x"}).status_code == 404
        paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
        assert not [p for p in paths if p.startswith(("/genesys/", "/oauth/", GENESYS))]
        with server.native() as api:  # Ringback's own API serves on
            assert api.get("/api/v1/services").status_code == 200
