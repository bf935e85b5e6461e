"""The switch service: one switch driver in its own process, shared by every node.

Nodes send the requests of :class:`~ringback.telephony.switch.Switch` over HTTP and follow the
switch's events over a WebSocket (docs/switch-protocol.md). Events are numbered from 1 in each
run of the service (an ``epoch``), and the last ``keep`` of them are kept in memory, so that a
node that reconnects resumes after the last event it applied and misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Header, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from ringback import __version__
from ringback.clock import Clock
from ringback.errors import PROBLEM_JSON, RingbackError
from ringback.telephony import wire
from ringback.telephony.switch import EventPosition, Measured, Switch, SwitchError, SwitchEvent

log = structlog.get_logger(__name__)


class EventLog:
    """The events of this run of the switch, numbered, the newest ``keep`` of them kept."""

    def __init__(self, clock: Clock, *, keep: int = 100_000) -> None:
        self.epoch = uuid.uuid4().hex
        self.started_at = clock.now()
        self._keep = keep
        self._events: list[SwitchEvent] = []  # ids first_id, first_id + 1, ...
        self.first_id = 1
        self._last_id = 0
        self._grown = asyncio.Condition()

    @property
    def last_id(self) -> int:
        return self._last_id

    async def append(self, event: SwitchEvent) -> None:
        self._last_id += 1
        positioned = dataclasses.replace(event, position=EventPosition(self.epoch, self._last_id))
        self._events.append(positioned)
        if len(self._events) >= 2 * self._keep:  # shed in halves: slicing stays cheap
            del self._events[: self._keep]
            self.first_id += self._keep
        async with self._grown:
            self._grown.notify_all()

    def after(self, event_id: int) -> list[SwitchEvent]:
        """The kept events with an id above ``event_id``, oldest first."""
        return self._events[max(0, event_id - self.first_id + 1) :]

    async def wait_beyond(self, event_id: int) -> None:
        async with self._grown:
            await self._grown.wait_for(lambda: self._last_id > event_id)

    def hello(self) -> wire.Hello:
        return wire.Hello(
            epoch=self.epoch,
            started_at=self.started_at.isoformat(),
            first_id=self.first_id,
            last_id=self.last_id,
        )


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Gauge(
            "ringback_switch_calls", "Calls the switch holds", registry=self.registry
        )
        self.requests = Counter(
            "ringback_switch_requests",
            "Requests from nodes, by request and outcome (ok, repeated, or the refusal's code)",
            ["request", "outcome"],
            registry=self.registry,
        )
        self.events = Counter(
            "ringback_switch_events",
            "Events sent by the switch, by type",
            ["type"],
            registry=self.registry,
        )
        self.followers = Gauge(
            "ringback_switch_followers", "Nodes following the event stream", registry=self.registry
        )


class _Replies:
    """What recent requests answered, by their Idempotency-Key: a retry gets the same answer."""

    def __init__(self, keep: int = 10_000) -> None:
        self._replies: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()
        self._keep = keep

    def get(self, key: str | None) -> tuple[int, dict[str, Any]] | None:
        return self._replies.get(key) if key else None

    def put(self, key: str | None, reply: tuple[int, dict[str, Any]]) -> None:
        if key:
            self._replies[key] = reply
            while len(self._replies) > self._keep:
                self._replies.popitem(last=False)


def create_switch_app(driver: Switch, *, clock: Clock, keep_events: int = 100_000) -> FastAPI:
    """The switch service around ``driver``; its lifespan starts and closes the driver."""
    events = EventLog(clock, keep=keep_events)
    metrics = _Metrics()
    if isinstance(driver, Measured):
        for collector in driver.collectors():
            metrics.registry.register(collector)
    replies = _Replies()
    running = False

    async def record(event: SwitchEvent) -> None:
        metrics.events.labels(type=type(event).__name__).inc()
        await events.append(event)

    driver.subscribe(record)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal running
        await driver.start()
        running = True
        log.info("switch started", epoch=events.epoch)
        try:
            yield
        finally:
            running = False
            await driver.close()

    app = FastAPI(
        title="Ringback switch",
        version=__version__,
        description="The switch service's protocol (docs/switch-protocol.md).",
        lifespan=lifespan,
    )

    @app.post("/v1/requests/{name}")
    async def request(
        name: str,
        http: Request,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Carry out one request of the Switch interface; 409 with its code when refused."""
        if (known := replies.get(idempotency_key)) is not None:
            metrics.requests.labels(request=name, outcome="repeated").inc()
            return _reply(*known)
        model = wire.REQUESTS.get(name)
        if model is None:
            return _reply(*_problem("unknown-request", f"there is no request {name!r}", 404))
        try:
            arguments = model.model_validate_json(await http.body())
        except ValueError as exc:
            return _reply(*_problem("invalid-request", str(exc), 422))
        try:
            await getattr(driver, name)(**arguments.model_dump())
        except SwitchError as exc:
            reply = _problem(exc.code, exc.detail, 409)
            metrics.requests.labels(request=name, outcome=exc.code).inc()
        else:
            reply = (200, {})
            metrics.requests.labels(request=name, outcome="ok").inc()
        replies.put(idempotency_key, reply)
        return _reply(*reply)

    @app.get("/v1/calls")
    async def calls() -> dict[str, Any]:
        """The calls the switch holds now, and which run of the switch says so."""
        held = await driver.active_calls()
        return {"epoch": events.epoch, "calls": sorted(held)}

    @app.websocket("/v1/events")
    async def follow(
        websocket: WebSocket, epoch: str | None = None, after: str | None = None
    ) -> None:
        """Every event of this run, after ``after`` when ``epoch`` is this run's, then live."""
        await websocket.accept()
        cursor = int(after) if epoch == events.epoch and after and after.isdigit() else 0
        await websocket.send_json(events.hello().model_dump())
        metrics.followers.inc()
        gone = asyncio.create_task(_until_gone(websocket))
        try:
            while not gone.done():
                for event in events.after(cursor):
                    await websocket.send_json(wire.event_json(event))
                    assert event.position is not None
                    cursor = event.position.id
                waiter = asyncio.create_task(events.wait_beyond(cursor))
                await asyncio.wait({waiter, gone}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
        except WebSocketDisconnect:
            pass
        finally:
            metrics.followers.dec()
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await gone

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        if not running:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ready", "epoch": events.epoch})

    @app.get("/metrics")
    async def metrics_page() -> Response:
        metrics.calls.set(len(await driver.active_calls()))
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _problem(code: str, detail: str, status: int) -> tuple[int, dict[str, Any]]:
    return status, RingbackError(code, detail, status=status).problem()


def _reply(status: int, body: dict[str, Any]) -> JSONResponse:
    media_type = PROBLEM_JSON if status >= 400 else "application/json"
    return JSONResponse(body, status_code=status, media_type=media_type)


async def _until_gone(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
