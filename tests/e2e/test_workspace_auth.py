"""Signing in and out of the Workspace API: tokens, the cookie and its CSRF token."""

from __future__ import annotations

import httpx
import pytest
from tests.e2e.conftest import PASSWORD, RunningServer
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e


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
