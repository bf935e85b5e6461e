"""Genesys Cloud's callback API, driven by the vendor's own Python SDK (the PyPI package
purecloudplatformclientv2) against a real ``ringback serve``: only the base address changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import PureCloudPlatformClientV2 as genesys
import pytest
from PureCloudPlatformClientV2.rest import ApiException
from tests.e2e.compat import QUEUE_ID, CompatServer, compat_server
from tests.e2e.workspace import AgentDesk

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[CompatServer]:
    with compat_server(database_url, tmp_path / "serve.log") as running:
        yield running


def conversations(server: CompatServer, key: str = "all") -> genesys.ConversationsApi:
    """The SDK as an integration sets it up: client credentials, then the Conversations API."""
    client = genesys.api_client.ApiClient(host=server.url)
    oauth = server.oauth(key)
    client.get_client_credentials_token(oauth.client_id, oauth.client_secret)
    return genesys.ConversationsApi(client)


def in_hours(hours: int) -> datetime:
    """A naive UTC time on the hour, as integrations hand the SDK (it sends no offset)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    return now + timedelta(hours=hours)


def command(**fields: Any) -> genesys.CreateCallbackCommand:
    body = genesys.CreateCallbackCommand()
    body.queue_id = QUEUE_ID
    body.callback_numbers = ["+44 20 7946 0311"]
    for name, value in fields.items():
        setattr(body, name, value)
    return body


def refusal(raised: pytest.ExceptionInfo[ApiException], status: int, code: str) -> dict[str, Any]:
    """The vendor's error body, with Ringback's stable code in it."""
    assert raised.value.status == status, raised.value.body
    body: dict[str, Any] = json.loads(raised.value.body)
    assert body["status"] == status and body["code"] == code, body
    assert body["message"] and body["contextId"]
    return body


def native(server: CompatServer, callback_id: str) -> dict[str, Any]:
    with server.native() as api:
        found = api.get(f"/api/v1/callbacks/{callback_id}")
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def test_the_sdk_asks_for_reads_moves_and_disconnects_a_callback(server: CompatServer) -> None:
    api = conversations(server)
    at = in_hours(3)
    routing = genesys.RoutingData()
    routing.priority = 10
    routing.preferred_agent_ids = ["ada"]
    routing.skill_ids = ["cards"]
    made = api.post_conversations_callbacks(
        command(
            callback_numbers=["12", "+44 20 7946 0311", "020 7946 0312"],
            callback_user_name="Grace Hopper",
            callback_scheduled_time=at,
            country_code="GB",
            data={"account": "A-1"},
            script_id="script-9",
            caller_id_name="Bank",
            routing_data=routing,
        )
    )
    callback_id = made.conversation.id
    # One id: the conversation, the ACD callback and Ringback's callback.
    assert [(i.type, i.id) for i in made.callback_identifiers] == [("ACD", callback_id)]
    assert made.conversation.self_uri == f"/api/v2/conversations/callbacks/{callback_id}"

    ours = native(server, callback_id)
    assert ours["service"] == "anytime" and ours["state"] == "scheduled"
    assert ours["type"] == "scheduled" and ours["slot"] is not None  # the service has slots
    # The naive time was read as UTC.
    assert datetime.fromisoformat(ours["desired_time"]) == at.replace(tzinfo=UTC)
    # The impossible number was dropped, the first possible one is called, the next kept.
    assert ours["phone"] == "+442079460311"
    assert ours["data"]["alternate_numbers"] == "+442079460312"
    assert ours["priority"] == 80  # the service's 70, plus the request's 10
    # Fields Ringback does not act on are kept with the callback.
    assert ours["data"]["genesys.scriptId"] == "script-9"
    assert ours["data"]["genesys.callerIdName"] == "Bank"
    assert ours["data"]["required_skills"] == "cards"  # routed to agents with it
    sue = AgentDesk(server.running(), "sue")
    listed = sue.http.get("/supervisor/callbacks", params={"service": "anytime"}).json()
    waiting = {c["id"]: c for c in listed["items"]}
    sue.close()
    assert waiting[callback_id]["reserved_for"] == "ada"  # the preferred agent, with fallback
    assert datetime.fromisoformat(waiting[callback_id]["reserved_until"]) == at.replace(
        tzinfo=UTC
    ) + timedelta(minutes=15)

    read = api.get_conversations_callback(callback_id)
    assert read.id == callback_id
    customer = next(p for p in read.participants if p.purpose == "customer")
    assert customer.callback_numbers == ["+442079460311", "+442079460312"]
    assert customer.callback_user_name == "Grace Hopper"
    assert customer.callback_scheduled_time == at.replace(tzinfo=UTC)
    assert customer.attributes == {
        "account": "A-1",
        "required_skills": "cards",
        "ringback.state": "scheduled",
    }
    assert customer.queue.id == QUEUE_ID and customer.script.id == "script-9"
    assert customer.state == "alerting"
    acd = next(p for p in read.participants if p.purpose == "acd")
    assert acd.queue.id == QUEUE_ID and acd.state == "connected"

    patch = genesys.PatchCallbackRequest()
    patch.conversation_id = callback_id
    patch.callback_scheduled_time = at + timedelta(hours=1)
    patch.callback_numbers = ["+44 20 7946 0311", "+44 20 7946 0399"]
    moved = api.patch_conversations_callbacks(patch)
    assert moved.conversation.id == callback_id
    ours = native(server, callback_id)
    assert datetime.fromisoformat(ours["desired_time"]) == at.replace(tzinfo=UTC) + timedelta(
        hours=1
    )
    assert ours["data"]["alternate_numbers"] == "+442079460399"
    with server.native() as client:
        history = client.get(f"/api/v1/callbacks/{callback_id}/history").json()
    assert [h["event"] for h in history] == ["create", "reprioritise", "reschedule"]

    disconnect = genesys.BulkCallbackDisconnectRequest()
    identifier = genesys.CallbackDisconnectIdentifier()
    identifier.conversation_id = callback_id
    identifier.callback_id = callback_id
    disconnect.callback_disconnect_identifiers = [identifier]
    api.post_conversations_callbacks_bulk_disconnect(disconnect)
    assert native(server, callback_id)["state"] == "cancelled"
    api.post_conversations_callbacks_bulk_disconnect(disconnect)  # ended already: left as is
    ended = api.get_conversations_callback(callback_id)
    customer = next(p for p in ended.participants if p.purpose == "customer")
    assert customer.state == "disconnected" and customer.disconnect_type == "client"
    assert customer.attributes["ringback.state"] == "cancelled"


def test_refusals_reach_the_sdk_in_the_vendors_shape(server: CompatServer) -> None:
    api = conversations(server)
    with pytest.raises(ApiException) as raised:
        api.post_conversations_callbacks(
            command(callback_numbers=["+44 20 7946 0321", "12"], validate_callback_numbers=True)
        )
    body = refusal(raised, 400, "invalid-phone")
    assert body["details"] == [{"errorCode": "invalid-phone", "fieldName": "callbackNumbers[1]"}]

    at = in_hours(5)
    api.post_conversations_callbacks(command(callback_scheduled_time=at))
    with pytest.raises(ApiException) as raised:  # the slot holds one callback
        api.post_conversations_callbacks(
            command(callback_numbers=["+44 20 7946 0322"], callback_scheduled_time=at)
        )
    assert "no place left" in refusal(raised, 400, "slot-full")["message"]
    with pytest.raises(ApiException) as raised:
        api.post_conversations_callbacks(command(queue_id="no-such-queue"))
    refusal(raised, 404, "service-not-found")
    with pytest.raises(ApiException) as raised:
        conversations(server, "support-only").post_conversations_callbacks(command())
    refusal(raised, 403, "service-forbidden")
    with pytest.raises(ApiException) as raised:
        api.get_conversations_callback("4f7c1a52-0000-4000-8000-000000000000")
    refusal(raised, 404, "callback-not-found")
    with pytest.raises(ApiException) as raised:
        api.post_conversations_callbacks(command(callback_numbers=[]))
    assert refusal(raised, 400, "invalid-request")["details"][0]["fieldName"] == "callbackNumbers"

    made = api.post_conversations_callbacks(command(callback_numbers=["+44 20 7946 0323"]))
    patch = genesys.PatchCallbackRequest()
    patch.conversation_id = made.conversation.id
    patch.callback_numbers = ["+44 20 7946 0324"]
    with pytest.raises(ApiException) as raised:
        api.patch_conversations_callbacks(patch)
    refusal(raised, 400, "callback-number-change-unsupported")

    client = genesys.api_client.ApiClient(host=server.url)
    with pytest.raises(ApiException) as raised:
        client.get_client_credentials_token(server.oauth().client_id, "not-the-secret")
    assert raised.value.status == 401
    assert json.loads(raised.value.body)["error"] == "invalid_client"


def test_an_api_key_or_an_access_token_as_bearer(server: CompatServer) -> None:
    client = genesys.api_client.ApiClient(host=server.url)
    client.access_token = server.keys["all"]  # the key itself, as on Ringback's own API
    made = genesys.ConversationsApi(client).post_conversations_callbacks(command())
    assert native(server, made.conversation.id)["state"] == "queued"  # no time: immediate

    oauth = server.oauth()
    token = httpx.post(
        f"{server.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(oauth.client_id, oauth.client_secret),
    )
    assert token.status_code == 200, token.text
    answer = token.json()
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 3600
    read = httpx.get(
        f"{server.url}/api/v2/conversations/callbacks/{made.conversation.id}",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
    )
    assert read.status_code == 200 and read.json()["id"] == made.conversation.id
    forged = answer["access_token"][:-4] + (
        "AAAA" if not answer["access_token"].endswith("AAAA") else "BBBB"
    )
    refused = httpx.get(
        f"{server.url}/api/v2/conversations/callbacks/{made.conversation.id}",
        headers={"Authorization": f"Bearer {forged}"},
    )
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    wrong_grant = httpx.post(
        f"{server.url}/oauth/token",
        data={"grant_type": "password"},
        auth=(oauth.client_id, oauth.client_secret),
    )
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
