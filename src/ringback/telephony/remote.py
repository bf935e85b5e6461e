"""A node's side of the switch service: the Switch interface over HTTP and a WebSocket.

Requests are POSTs with an Idempotency-Key, retried with the same key when the connection
fails, so a request the service already carried out is answered again, never done twice.
Events arrive on one WebSocket; after a reconnect, or a restart of the node, the stream resumes
after the position that ``resume_from`` gives (the last event applied, kept in the database).
When the service restarted, or no longer keeps the events after that position, the handlers
get a :class:`SwitchReset` before the events that follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx
import structlog
from websockets.asyncio.client import connect

from ringback.clock import Clock
from ringback.logs import FailureStreak
from ringback.telephony import wire
from ringback.telephony.switch import (
    EventHandler,
    EventPosition,
    SwitchError,
    SwitchEvent,
    SwitchReset,
)

log = structlog.get_logger(__name__)

RETRIES = (0.2, 0.5, 1.0, 2.0)  # seconds before each retry of a request the network lost


class RemoteSwitch:
    """The Switch interface, carried out by a switch service at ``url``."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        resume_from: Callable[[], Awaitable[EventPosition | None]],
        timeout: float = 5.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._clock = clock
        self._resume_from = resume_from
        self._timeout = timeout
        self._handlers: list[EventHandler] = []
        self._http: httpx.AsyncClient | None = None
        self._follower: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self._streak = FailureStreak(log, "switch event stream")

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    async def start(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.url, timeout=self._timeout)
        self._follower = asyncio.create_task(self._follow(), name="switch events")

    async def close(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
        if self._http is not None:
            await self._http.aclose()

    async def active_calls(self) -> set[str]:
        answer = await self._call("GET", "/v1/calls")
        calls = answer["calls"]
        assert isinstance(calls, list)
        return {str(call) for call in calls}

    async def make_call(
        self,
        *,
        call_id: str,
        place: str,
        destination: str,
        caller_id: str | None = None,
        ring_seconds: float | None = None,
    ) -> None:
        # Only what is set is sent: a switch service older than these fields takes the rest.
        optional = {"caller_id": caller_id, "ring_seconds": ring_seconds}
        await self._request(
            "make_call",
            call_id=call_id,
            place=place,
            destination=destination,
            **{name: value for name, value in optional.items() if value is not None},
        )

    async def answer(self, *, call_id: str, address: str) -> None:
        await self._request("answer", call_id=call_id, address=address)

    async def release(self, *, call_id: str) -> None:
        await self._request("release", call_id=call_id)

    async def hold(self, *, call_id: str) -> None:
        await self._request("hold", call_id=call_id)

    async def retrieve(self, *, call_id: str) -> None:
        await self._request("retrieve", call_id=call_id)

    async def single_step_transfer(self, *, call_id: str, destination: str) -> None:
        await self._request("single_step_transfer", call_id=call_id, destination=destination)

    async def single_step_conference(self, *, call_id: str, destination: str) -> None:
        await self._request("single_step_conference", call_id=call_id, destination=destination)

    async def init_consultation(
        self, *, call_id: str, consultation_id: str, destination: str
    ) -> None:
        await self._request(
            "init_consultation",
            call_id=call_id,
            consultation_id=consultation_id,
            destination=destination,
        )

    async def complete_transfer(self, *, call_id: str, consultation_id: str) -> None:
        await self._request("complete_transfer", call_id=call_id, consultation_id=consultation_id)

    async def complete_conference(self, *, call_id: str, consultation_id: str) -> None:
        await self._request("complete_conference", call_id=call_id, consultation_id=consultation_id)

    async def cancel_consultation(self, *, call_id: str, consultation_id: str) -> None:
        await self._request("cancel_consultation", call_id=call_id, consultation_id=consultation_id)

    async def send_dtmf(self, *, call_id: str, digits: str) -> None:
        await self._request("send_dtmf", call_id=call_id, digits=digits)

    async def _request(self, name: str, **arguments: object) -> None:
        await self._call(
            "POST",
            f"/v1/requests/{name}",
            json=arguments,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    async def _call(self, method: str, path: str, **options: object) -> dict[str, object]:
        assert self._http is not None, "start() the switch first"
        for delay in (*RETRIES, None):
            try:
                answer = await self._http.request(method, path, **options)  # type: ignore[arg-type]
            except httpx.TransportError as exc:
                if delay is None:
                    raise SwitchError(
                        "switch-unreachable", f"the switch at {self.url} does not answer: {exc}"
                    ) from None
                await asyncio.sleep(delay)
                continue
            body: dict[str, object] = answer.json() if answer.content else {}
            if answer.is_error:
                raise SwitchError(
                    str(body.get("code", "switch-error")), str(body.get("detail", answer.text))
                )
            return body
        raise AssertionError("unreachable")

    async def _follow(self) -> None:
        """Follow the event stream for as long as the node runs, reconnecting as needed."""
        url = self.url.replace("http", "ws", 1) + "/v1/events"
        while True:
            try:
                await self._follow_once(url)
                raise ConnectionError("the switch closed the event stream")
            except Exception as exc:
                # A failed event is not lost: the next connection resumes from the cursor.
                self.connected.clear()
                self._streak.failed(exc)
                await asyncio.sleep(1.0)

    async def _follow_once(self, url: str) -> None:
        resume = await self._resume_from()
        query = f"?epoch={resume.epoch}&after={resume.id}" if resume else ""
        async with connect(url + query, open_timeout=self._timeout, compression=None) as socket:
            hello = wire.Hello.model_validate_json(await socket.recv())
            self.connected.set()
            self._streak.succeeded()
            log.info("following the switch", url=self.url, epoch=hello.epoch)
            restarted = resume is None or resume.epoch != hello.epoch
            if restarted or (resume is not None and resume.id < hello.first_id - 1):
                # A run of the switch this node has not followed, or events it no longer has:
                # calls untouched since then (since the restart, or now) may be gone.
                since = datetime.fromisoformat(hello.started_at) if restarted else None
                await self._dispatch(
                    SwitchReset(
                        call_id="",
                        at=since or self._clock.now(),
                        position=EventPosition(hello.epoch, hello.first_id - 1),
                    )
                )
            async for message in socket:
                await self._dispatch(wire.event_from_json(json.loads(message), epoch=hello.epoch))

    async def _dispatch(self, event: SwitchEvent) -> None:
        for handler in self._handlers:
            await handler(event)
