"""Signing in and out of the Workspace API: tokens, the cookie and its CSRF token."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import structlog
from tests.conftest import T0
from tests.e2e.conftest import PASSWORD, RunningServer
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from ringback.clock import ManualClock

pytestmark = pytest.mark.e2e
GUESS = "hunter2-guess"


@pytest.fixture
def server_log() -> Iterator[list[dict[str, Any]]]:
    """What the server logs while the test runs, whatever another test configured before."""
    saved = structlog.get_config()
    structlog.reset_defaults()
    try:
        with structlog.testing.capture_logs() as entries:
            yield entries
    finally:
        structlog.configure(**saved)


def sign_in(client: httpx.Client, login: str, password: str) -> httpx.Response:
    return client.post("/session", json={"login": login, "password": password})


def throttled(answer: httpx.Response, retry_after: int) -> bool:
    return (
        answer.status_code == 429
        and answer.json()["code"] == "sign-in-throttled"
        and answer.headers["Retry-After"] == str(retry_after)
        and answer.json()["retry_after"] == retry_after
    )


def test_wrong_passwords_and_missing_sessions_are_refused(server: RunningServer) -> None:
    with httpx.Client(base_url=f"{server.url}/api/v1/workspace") as client:
        wrong = client.post("/session", json={"login": "ada", "password": "nope"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "invalid-credentials"
        unknown = client.post("/session", json={"login": "zed", "password": PASSWORD})
        assert unknown.status_code == 401 and unknown.json()["detail"] == wrong.json()["detail"]
        assert client.get("/me").json()["code"] == "not-signed-in"
        bogus = client.get("/me", headers={"Authorization": "Bearer nope"})
        assert bogus.status_code == 401


def test_the_event_stream_refuses_strangers_with_a_reason(server: RunningServer) -> None:
    url = server.url.replace("http://", "ws://") + "/api/v1/workspace/events?token=nope"
    with connect(url) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def accepted_as(socket: ClientConnection, server: RunningServer, token: str) -> str:
    """The open stream's agent: the one whose status change arrives on it."""
    changed = httpx.put(
        f"{server.url}/api/v1/workspace/status/voice",
        json={"status": "ready"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 200, changed.text
    event = json.loads(socket.recv(timeout=5))
    assert event["topic"] == "agent.status"
    login: str = changed.json()["agent"]["login"]
    return login


def closed_with(url: str, **options: Any) -> tuple[int, str]:
    with connect(url, **options) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_the_event_stream_takes_the_cookie_only_from_the_servers_own_pages(
    server: RunningServer,
) -> None:
    url = server.url.replace("http://", "ws://") + "/api/v1/workspace/events"
    token = sign_in_as(server, "ada")
    cookie = {"Cookie": f"ringback_session={token}"}
    for foreign in ("https://attacker.example", server.url.replace("127.0.0.1", "localhost"),
                    server.url.replace("http://", "https://"), "null"):  # fmt: skip
        code, reason = closed_with(url, additional_headers=cookie, origin=foreign)
        assert code == 4403, foreign
        assert "own pages" in reason
    assert closed_with(url, additional_headers=cookie)[0] == 4403  # no Origin at all
    with connect(url, additional_headers=cookie, origin=server.url) as socket:
        assert accepted_as(socket, server, token) == "ada"
    # A token is not sent by the browser on its own: no Origin is asked for with it.
    bearer = {"Authorization": f"Bearer {token}"}
    with connect(url, additional_headers=bearer) as socket:
        assert accepted_as(socket, server, token) == "ada"
    with connect(f"{url}?token={token}", origin="https://attacker.example") as socket:
        assert accepted_as(socket, server, token) == "ada"


def test_the_event_stream_takes_the_cookie_from_the_allowed_origins(
    start_server: Callable[..., RunningServer],
) -> None:
    server = start_server(allowed_origins="https://desk.example.com, https://desk.example.com:8443")
    url = server.url.replace("http://", "ws://") + "/api/v1/workspace/events"
    token = sign_in_as(server, "bob")
    cookie = {"Cookie": f"ringback_session={token}"}
    for allowed in ("https://desk.example.com", "https://DESK.example.com:443", server.url):
        with connect(url, additional_headers=cookie, origin=allowed) as socket:
            assert accepted_as(socket, server, token) == "bob"
    assert closed_with(url, additional_headers=cookie, origin="http://desk.example.com")[0] == 4403


def sign_in_as(server: RunningServer, login: str) -> str:
    signed = httpx.post(
        f"{server.url}/api/v1/workspace/session", json={"login": login, "password": PASSWORD}
    )
    assert signed.status_code == 201, signed.text
    token: str = signed.json()["token"]
    return token


def test_the_cookie_session_needs_its_csrf_token_for_changes(server: RunningServer) -> None:
    with httpx.Client(base_url=f"{server.url}/api/v1/workspace") as browser:
        signed = browser.post("/session", json={"login": "ada", "password": PASSWORD})
        assert signed.status_code == 201
        assert "httponly" in signed.headers["set-cookie"].lower()
        assert browser.get("/me").json()["agent"]["login"] == "ada"  # reads need no CSRF token
        forged = browser.put("/status/voice", json={"status": "ready"})
        assert forged.status_code == 403 and forged.json()["code"] == "csrf-failed"
        allowed = browser.put(
            "/status/voice",
            json={"status": "ready"},
            headers={"X-CSRF-Token": signed.json()["csrf_token"]},
        )
        assert allowed.status_code == 200
        statuses = {s["channel"]: s["status"] for s in allowed.json()["statuses"]}
        assert statuses == {"voice": "ready", "webcallback": "not_ready"}
        out = browser.delete("/session", headers={"X-CSRF-Token": signed.json()["csrf_token"]})
        assert out.status_code == 204
        token = signed.json()["token"]
    again = httpx.get(
        f"{server.url}/api/v1/workspace/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert again.status_code == 401


def test_signing_out_logs_every_channel_out(server: RunningServer) -> None:
    signed = httpx.post(
        f"{server.url}/api/v1/workspace/session", json={"login": "bob", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    with httpx.Client(base_url=f"{server.url}/api/v1/workspace", headers=headers) as bob:
        bob.put("/status/voice", json={"status": "not_ready", "reason": "break"})
        assert bob.delete("/session").status_code == 204
    sue = httpx.post(
        f"{server.url}/api/v1/workspace/session", json={"login": "sue", "password": PASSWORD}
    )
    found = httpx.get(
        f"{server.url}/api/v1/workspace/team-communicator",
        params={"q": "bob", "kinds": "agent"},
        headers={"Authorization": f"Bearer {sue.json()['token']}"},
    ).json()
    assert found[0]["detail"] == "voice: logged out, webcallback: logged out"


def test_failed_sign_ins_throttle_the_login_until_its_window_ends(
    start_server: Callable[..., RunningServer], server_log: list[dict[str, Any]]
) -> None:
    clock = ManualClock(T0)  # the start of a 15-minute window
    server = start_server(clock=clock)
    with httpx.Client(base_url=f"{server.url}/api/v1/workspace") as client:
        for _ in range(4):
            assert sign_in(client, "ada", GUESS).status_code == 401
        assert sign_in(client, "ada", PASSWORD).status_code == 201  # resets nothing
        assert sign_in(client, "ada", GUESS).status_code == 401  # the fifth failure
        refused = sign_in(client, "ada", GUESS)
        assert throttled(refused, 900), refused.text
        assert (
            "too many failed sign-ins for login ada: at most 5 per 15 minutes"
            in (refused.json()["detail"])
        )
        assert throttled(sign_in(client, "ada", PASSWORD), 900)  # the right one waits too
        assert sign_in(client, "bob", PASSWORD).status_code == 201  # from the same address
        clock.advance(timedelta(minutes=14, seconds=59))
        assert throttled(sign_in(client, "ada", PASSWORD), 1)
        clock.advance(timedelta(seconds=1))
        assert sign_in(client, "ada", PASSWORD).status_code == 201

    attempts = [e for e in server_log if e["event"] == "sign-in"]
    assert [(e["login"], e["outcome"]) for e in attempts] == [
        *[("ada", "invalid-credentials")] * 4,
        ("ada", "signed-in"),
        ("ada", "invalid-credentials"),
        *[("ada", "sign-in-throttled")] * 2,
        ("bob", "signed-in"),
        ("ada", "sign-in-throttled"),
        ("ada", "signed-in"),
    ]
    assert {e["address"] for e in attempts} == {"127.0.0.1"}
    assert not [e for e in server_log if PASSWORD in str(e) or GUESS in str(e)]


def test_failed_sign_ins_from_one_address_throttle_every_login_from_it(
    start_server: Callable[..., RunningServer],
) -> None:
    clock = ManualClock(T0 + timedelta(minutes=5))
    server = start_server(clock=clock, sign_in_failures_per_address=8)
    with httpx.Client(base_url=f"{server.url}/api/v1/workspace") as client:
        for login, failures in (("ada", 5), ("bob", 3)):
            for _ in range(failures):
                assert sign_in(client, login, GUESS).status_code == 401
        for login in ("bob", "sue", "nobody"):
            refused = sign_in(client, login, PASSWORD)
            assert throttled(refused, 600), refused.text
            assert "for address 127.0.0.1: at most 8 per 15 minutes" in refused.json()["detail"]
        clock.advance(timedelta(minutes=10))
        assert sign_in(client, "sue", PASSWORD).status_code == 201
        assert sign_in(client, "ada", PASSWORD).status_code == 201
