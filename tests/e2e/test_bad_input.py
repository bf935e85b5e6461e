"""Input that once reached the database or the zone lookup and failed there with a 500.

Each one must be a 4xx problem naming the field, on both engines, with nothing stored.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer
from tests.e2e.test_callback_api import create, problem, soon
from tests.e2e.workspace import AgentDesk
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(server: RunningServer) -> Iterator[AgentDesk]:
    desk = AgentDesk(server, "ada")
    yield desk
    desk.close()


def stored_callbacks(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/callbacks", params={"limit": 200}).json()[
        "items"
    ]
    return items


def test_time_zones_are_iana_names_only(server: RunningServer) -> None:
    with server.client() as client:
        problem(
            create(client, time_zone="A" * 300), 422, "invalid-request", "time_zone"
        )  # too long
        problem(
            create(client, time_zone="Europe/" + "x" * 50), 422, "unknown-time-zone", "time_zone"
        )
        # A file in the host's zone folder, not a zone.
        refused = problem(create(client, time_zone="localtime"), 422, "unknown-time-zone")
        assert "IANA" in refused["detail"]
        problem(create(client, time_zone="Europe"), 422, "unknown-time-zone", "time_zone")
        assert stored_callbacks(client) == []
        assert create(client, time_zone="America/New_York").status_code == 201


def test_a_customer_address_and_language_are_checked_then_kept(server: RunningServer) -> None:
    with server.client() as client:
        problem(create(client, email="ada at example"), 422, "invalid-email", "email")
        problem(create(client, language="français"), 422, "invalid-request", "language")
        assert stored_callbacks(client) == []
        created = create(client, email="Ada@Example.COM", language="fr-CA")
        assert created.status_code == 201
        # The domain is folded to lower case; the mailbox's own case is the customer's.
        assert (created.json()["email"], created.json()["language"]) == ("Ada@example.com", "fr-CA")
        assert client.get(created.headers["Location"]).json()["email"] == "Ada@example.com"


@pytest.mark.parametrize(
    "created_at",
    [
        "9999-12-31T23:59:59-14:00",  # after the year 9999 in UTC
        "0001-01-01T00:00:00+14:00",  # before the year 1 in UTC
        "2026-12-06T10:00:00",  # no offset
        "yesterday",
    ],
)
def test_a_cursor_that_is_not_ours_is_refused(server: RunningServer, created_at: str) -> None:
    cursor = base64.urlsafe_b64encode(
        f"{created_at}|01a24aa7-ff60-7dfc-950c-11dd8e261680".encode()
    ).decode()
    with server.client() as client:
        answer = client.get("/api/v1/callbacks", params={"cursor": cursor})
        problem(answer, 422, "invalid-cursor", "cursor")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Dana\x00"}, "name"),
        ({"data": {"account\x00": "1"}}, "data.account\\0"),
        ({"data": {"account": "12\x0034"}}, "data.account"),
        ({"instructions": "\x00"}, "instructions"),
    ],
)
def test_nul_characters_are_refused_in_the_body(
    server: RunningServer, fields: dict[str, Any], field: str
) -> None:
    with server.client() as client:
        refused = problem(create(client, **fields), 422, "invalid-request", field)
        assert "NUL" in refused["detail"]
        assert stored_callbacks(client) == []


def test_nul_characters_are_refused_in_the_query_and_the_path(server: RunningServer) -> None:
    with server.client() as client:
        problem(
            client.get("/api/v1/callbacks", params={"phone": "+1\x00"}),
            422,
            "invalid-request",
            "phone",
        )
        problem(client.get("/api/v1/services/any%00time"), 422, "invalid-request", "path")


def test_nul_in_a_contact_name_is_refused(server: RunningServer, ada: AgentDesk) -> None:
    answer = ada.http.post(
        "/contacts", json={"first_name": "D\x00", "phones": [{"number": "+12125550142"}]}
    )
    problem(answer, 422, "invalid-request", "first_name")
    assert ada.http.get("/contacts", params={"q": "+12125550142"}).json()["items"] == []


def test_query_integers_are_bounded(server: RunningServer, ada: AgentDesk) -> None:
    problem(ada.http.get("/contacts", params={"offset": 2**63}), 422, "invalid-request", "offset")
    problem(ada.http.get("/responses", params={"offset": 2**63}), 422, "invalid-request", "offset")
    assert ada.http.get("/contacts", params={"offset": 100}).status_code == 200


def test_a_large_body_is_refused_before_it_is_read_or_authenticated(
    server: RunningServer,
) -> None:
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    with server.client(None) as anonymous:
        refused = problem(
            anonymous.post(
                "/api/v1/callbacks", content=big, headers={"Content-Type": "application/json"}
            ),
            413,
            "request-too-large",
        )
        assert refused["max_bytes"] == 1_048_576

        def chunks() -> Iterator[bytes]:  # no Content-Length: the size is found while reading
            for _ in range(40):
                yield b"x" * 65_536

        problem(anonymous.post("/api/v1/callbacks", content=chunks()), 413, "request-too-large")
    with server.client() as client:
        assert stored_callbacks(client) == []
        # Just under the limit is read, and refused for what it says.
        fits = b'{"service": "anytime", "phone": "+442079460018", "name": "' + b"x" * 1_000_000
        problem(
            client.post(
                "/api/v1/callbacks",
                content=fits + b'"}',
                headers={"Content-Type": "application/json"},
            ),
            422,
            "invalid-request",
            "name",
        )


def test_the_body_limit_is_a_setting(start_server: Any) -> None:
    server = start_server(max_request_bytes=2048)
    with server.client() as client:
        problem(create(client, instructions="x" * 2000), 413, "request-too-large")
        assert create(client, instructions="x" * 1000).status_code == 201


@pytest.mark.parametrize("key", ["", "a b", "k" * 256, "clé"])
def test_an_idempotency_key_must_be_a_usable_one(server: RunningServer, key: str) -> None:
    with server.client() as client:
        answer = client.post(
            "/api/v1/callbacks",
            json={"service": "anytime", "phone": "+442079460018"},
            headers={"Idempotency-Key": key.encode()},
        )
        problem(answer, 422, "invalid-request", "idempotency-key")
        # The refused key poisoned nothing: another body goes through.
        assert create(client, phone="+442079460019").status_code == 201


def test_a_number_with_an_extension_is_refused_with_the_reason(server: RunningServer) -> None:
    with server.client() as client:
        refused = problem(
            create(client, phone="+44 20 7946 0018 ext. 12"), 422, "phone-extension", "phone"
        )
        assert "12" in refused["detail"]
        assert stored_callbacks(client) == []


@pytest.mark.parametrize("desired_time", [1_900_000_000, 1.9e9, "1900000000", True])
def test_a_time_must_be_iso_8601_with_an_offset(server: RunningServer, desired_time: Any) -> None:
    with server.client() as client:
        refused = create(client, type="scheduled", desired_time=desired_time)
        problem(refused, 422, "invalid-request", "desired_time")
        problem(
            client.get("/api/v1/services/anytime/availability", params={"start": "1900000000"}),
            422,
            "invalid-request",
            "start",
        )
        assert create(client, type="scheduled", desired_time=soon(hours=2)).status_code == 201


@pytest.mark.parametrize("after", [str(2**63), "-1", "1e3"])
def test_the_event_stream_refuses_an_impossible_event_id(
    server: RunningServer, ada: AgentDesk, after: str
) -> None:
    url = server.url.replace("http://", "ws://") + f"/api/v1/workspace/events?after={after}"
    headers = {"Authorization": f"Bearer {ada.session['token']}"}
    with pytest.raises(ConnectionClosed) as closed, connect(url, additional_headers=headers) as ws:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008  # policy violation
    ada.listen(after=0)  # a real id still works
