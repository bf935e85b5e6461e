"""An agent's desk as a test sees it: REST calls and the WebSocket stream of one agent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import httpx
from tests.e2e.conftest import PASSWORD, RunningServer
from websockets.sync.client import ClientConnection, connect


class AgentDesk:
    def __init__(self, server: RunningServer, login: str) -> None:
        self.server = server
        self.login = login
        signed = httpx.post(
            f"{server.url}/api/v1/workspace/session", json={"login": login, "password": PASSWORD}
        )
        assert signed.status_code == 201, signed.text
        self.session = signed.json()
        self.http = httpx.Client(
            base_url=f"{server.url}/api/v1/workspace",
            headers={"Authorization": f"Bearer {self.session['token']}"},
            timeout=10,
        )
        self.events: list[dict[str, Any]] = []
        self.socket: ClientConnection | None = None
        self._stack = ExitStack()

    def listen(self, after: int | None = None) -> None:
        url = self.server.url.replace("http://", "ws://") + "/api/v1/workspace/events"
        if after is not None:
            url += f"?after={after}"
        headers = {"Authorization": f"Bearer {self.session['token']}"}
        self.socket = self._stack.enter_context(connect(url, additional_headers=headers))

    def close(self) -> None:
        self._stack.close()
        self.socket = None
        self.http.close()

    def wait_event(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        """The first event (already seen or arriving) that matches."""
        assert self.socket is not None, "call listen() first"
        for event in self.events:
            if predicate(event):
                return event
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"no matching event for {self.login}; saw {[e['topic'] for e in self.events]}"
            )
            try:
                event = json.loads(self.socket.recv(timeout=remaining))
            except TimeoutError:
                continue
            self.events.append(event)
            if predicate(event):
                return event

    def status(self, channel: str, status: str, reason: str | None = None) -> httpx.Response:
        return self.http.put(f"/status/{channel}", json={"status": status, "reason": reason})

    def act(
        self, interaction_id: str, action: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return self.http.post(f"/interactions/{interaction_id}/{action}", json=body)

    def interaction(self, interaction_id: str) -> dict[str, Any]:
        response = self.http.get(f"/interactions/{interaction_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_state(self, interaction_id: str, *states: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.interaction(interaction_id)
            if found["state"] in states:
                return found
            assert time.monotonic() < deadline, (
                f"interaction stayed {found['state']}, wanted {states}"
            )
            time.sleep(0.05)

    def wait_offer(self, timeout: float = 10) -> dict[str, Any]:
        """The next interaction offered to this agent (by polling its desk)."""
        deadline = time.monotonic() + timeout
        while True:
            offered = [i for i in self.http.get("/interactions").json() if i["state"] == "offered"]
            if offered:
                return offered[0]
            assert time.monotonic() < deadline, f"nothing was offered to {self.login}"
            time.sleep(0.05)

    def history(self, interaction_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/interactions/{interaction_id}/history")
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()
        return entries
