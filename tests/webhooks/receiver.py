"""A webhook receiver on loopback: a real HTTP server that checks every signature with the
standardwebhooks package and answers as a test tells it (204, 500, late, or not at all)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Received:
    webhook_id: str
    timestamp: int
    signatures: list[str]
    payload: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.payload["type"])

    @property
    def callback(self) -> dict[str, Any]:
        return dict(self.payload["data"]["callback"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """What the endpoint got. ``status`` is what it answers; ``hold`` keeps each request
    waiting until released (a slow receiver); a request whose signature does not verify is
    answered 401 and counted in ``forged``."""

    def __init__(self, secret: str, *, live_clock: bool = True) -> None:
        self.secrets = [secret]
        # With a clock that tests move by days, the timestamp is checked against the message
        # (the signature covers it) instead of against the wall clock.
        self.live_clock = live_clock
        self.received: list[Received] = []
        self.forged = 0
        self.status = 204
        self.hold = threading.Event()
        self.hold.set()
        self.requests = 0
        self.arrived = threading.Event()  # set by the first request
        self._lock = threading.Lock()

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """The payload, if one of the receiver's secrets signed it; standardwebhooks decides."""
        for secret in self.secrets:
            hook = Webhook(secret)
            try:
                if self.live_clock:
                    return dict(hook.verify(body, headers))
                stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
                expected = hook.sign(headers["webhook-id"], stamp, body)
                if expected in headers["webhook-signature"].split(" "):
                    return dict(json.loads(body))
            except WebhookVerificationError:
                continue
        raise WebhookVerificationError("no secret of this receiver signed it")

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.requests += 1
        self.arrived.set()
        try:
            payload = self.verify(body, headers)
        except (WebhookVerificationError, KeyError, ValueError):
            with self._lock:
                self.forged += 1
            return Response(status_code=401)
        await asyncio.to_thread(self.hold.wait)  # a slow receiver, until the test releases it
        if 200 <= self.status < 300:
            with self._lock:
                self.received.append(
                    Received(
                        headers["webhook-id"],
                        int(headers["webhook-timestamp"]),
                        headers["webhook-signature"].split(" "),
                        payload,
                    )
                )
        return Response(status_code=self.status, content=b"" if self.status == 204 else b"nope")

    def types(self) -> list[str]:
        return [r.type for r in self.received]


@contextmanager
def listening(receiver: Receiver, *, port: int | None = None) -> Iterator[str]:
    """Serve ``receiver`` at http://127.0.0.1:<port>/hook until the block ends."""
    port = port or free_port()
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the receiver did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        receiver.hold.set()
        server.should_exit = True
        thread.join(timeout=15)
