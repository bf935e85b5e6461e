"""The FastAPI application: routers, problem+json errors, metrics, and the node's loops."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from functools import partial
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ringback import __version__, openapi, outbox, ratelimit
from ringback.apidocs import mount_api_docs
from ringback.callbacks import expiry
from ringback.callbacks import repository as callback_repository
from ringback.callbacks.api import router as callbacks_router
from ringback.callbacks.states import ACTIVE_STATES
from ringback.clock import Clock, SystemClock
from ringback.compat import genesys_cloud, gms, oauth
from ringback.config.api import router as services_router
from ringback.config.service import simulator_script
from ringback.contacts.api import router as contacts_router
from ringback.customers.api import router as customers_router
from ringback.customers.links import link_key
from ringback.db import CommitNotice, Database
from ringback.desktop import mount_desktop
from ringback.email.customer_emails import CustomerEmails
from ringback.email.sender import EmailSender
from ringback.errors import PROBLEM_JSON, RingbackError
from ringback.health import router as health_router
from ringback.inbound.api import router as inbound_router
from ringback.interactions import repository as interaction_repository
from ringback.interactions.api import router as interactions_router
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts, Metrics
from ringback.outbox import OutboxRelay
from ringback.realtime.api import router as events_router
from ringback.realtime.hub import Hub
from ringback.reports.api import router as reports_router
from ringback.request_limits import RequestLimits
from ringback.responses.api import router as responses_router
from ringback.routing.engine import RoutingEngine
from ringback.runtime import Runtime
from ringback.settings import Settings
from ringback.singlenode import NodeLock
from ringback.supervisor.api import router as supervisor_router
from ringback.teamcomm.api import router as teamcomm_router
from ringback.telephony import repository as switch_repository
from ringback.telephony.bridge import SwitchBridge
from ringback.telephony.remote import RemoteSwitch
from ringback.telephony.sim.script import SimulatorScript
from ringback.telephony.sim.switch import SimulatedSwitch
from ringback.telephony.switch import EventPosition, Switch
from ringback.timers import Timers
from ringback.webhooks.api import router as webhooks_router
from ringback.webhooks.api import supervisor_router as webhooks_supervisor_router
from ringback.webhooks.dispatcher import WebhookDispatcher
from ringback.workspace.api import router as workspace_router
from ringback.workspace.services_api import router as workspace_services_router

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    switch: Switch | None = None,
    run_loops: bool = True,
    extra_loops: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = (),
) -> FastAPI:
    """Build the app; the lifespan opens the database and the switch and starts the node's loops.

    Without a ``switch``, the simulated switch runs the script from the stored configuration.
    """
    clock = clock or SystemClock()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node_lock = NodeLock(settings.database_url)
        try:
            node_lock.acquire()
        except RingbackError as exc:
            log.error("this node cannot start", reason=exc.detail)
            raise
        try:
            async with _running_node(app, settings, clock, metrics, switch, run_loops, extra_loops):
                yield
        finally:
            node_lock.release()

    app = FastAPI(
        title="Ringback",
        version=__version__,
        description="Callback API of Ringback, an open-source callback system for contact centers.",
        lifespan=lifespan,
        docs_url=None,  # /docs is mount_api_docs's, with no script from elsewhere
        redoc_url=None,
    )
    app.include_router(health_router)
    app.include_router(services_router)
    app.include_router(callbacks_router)
    app.include_router(inbound_router)
    app.include_router(workspace_router)
    app.include_router(interactions_router)
    app.include_router(events_router)
    app.include_router(contacts_router)
    app.include_router(responses_router)
    app.include_router(teamcomm_router)
    app.include_router(workspace_services_router)
    app.include_router(supervisor_router)
    app.include_router(reports_router)
    app.include_router(webhooks_router)
    app.include_router(webhooks_supervisor_router)
    app.include_router(customers_router)  # the customers' own pages, /c/{token}
    # The incumbents' callback APIs (docs/migrating.md), each of which a node may leave out.
    if settings.genesys_cloud_api or settings.gms_api:
        app.include_router(oauth.router)
    if settings.genesys_cloud_api:
        app.include_router(genesys_cloud.router)
    if settings.gms_api:
        app.include_router(gms.v1)
        app.include_router(gms.v2)
    mount_desktop(app)
    mount_api_docs(app)
    openapi.install(app)
    _install_error_handlers(app, metrics)
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_request_bytes, metrics=metrics)
    app.add_middleware(_RequestMetrics, metrics=metrics)
    return app


@asynccontextmanager
async def _running_node(
    app: FastAPI,
    settings: Settings,
    clock: Clock,
    metrics: Metrics,
    switch: Switch | None,
    run_loops: bool,
    extra_loops: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]],
) -> AsyncIterator[None]:
    """The database, the switch and the node's loops, for as long as the app serves."""
    db = Database(settings.database_url)
    runtime = await _start_node(db, settings, clock, metrics, switch)
    app.state.runtime = runtime
    tasks = []
    if run_loops:
        tasks = [
            asyncio.create_task(run(metrics.loop(name)), name=name)
            for name, run in node_loops(runtime).items()
        ]
        tasks += [asyncio.create_task(loop(runtime)) for loop in extra_loops]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await runtime.bridge.switch.close()
        await db.dispose()


NodeLoop = Callable[[LoopCounts], Coroutine[Any, Any, None]]


def node_loops(runtime: Runtime) -> dict[str, NodeLoop]:
    """Every loop a node runs, by the name its counts have in /metrics (``loop`` label).

    The switch's events are counted too, as the loop "switch-events", though they arrive from
    the switch (see SwitchBridge) rather than from a loop of the node's own.
    """
    settings = runtime.settings
    return {
        "timers": runtime.timers.run,
        "routing": runtime.routing.run,
        "outbox-relay": runtime.relay.run,
        "hub": runtime.hub.run,
        "mail": runtime.mail.run,
        "webhooks": runtime.webhooks.run,
        "expiry": partial(
            expiry.run,
            runtime.db,
            runtime.clock,
            interval_seconds=settings.expiry_interval_seconds,
            batch_size=settings.scheduler_batch_size,
        ),
        "housekeeping": partial(_housekeeping, runtime),
    }


async def _start_node(
    db: Database, settings: Settings, clock: Clock, metrics: Metrics, switch: Switch | None
) -> Runtime:
    shared = switch is None and settings.switch_url is not None
    if switch is None and settings.switch_url is not None:

        async def applied_up_to() -> EventPosition | None:
            async with db.transaction() as session:
                return await switch_repository.position(session)

        switch = RemoteSwitch(settings.switch_url, clock=clock, resume_from=applied_up_to)
    elif switch is None:
        async with db.transaction() as session:
            script = await simulator_script(session)
        # A node with the simulated switch is its own phone system.
        switch = SimulatedSwitch(script=script or SimulatorScript.demo(), clock=clock)
    timers = Timers(
        db,
        clock,
        metrics,
        batch_size=settings.scheduler_batch_size,
        max_sleep_seconds=settings.scheduler_max_sleep_seconds,
    )
    relay = OutboxRelay(db, clock)
    routing = RoutingEngine(
        db,
        clock,
        batch_size=settings.routing_batch_size,
        max_sleep_seconds=settings.scheduler_max_sleep_seconds,
    )
    hub = Hub(db)
    bridge = SwitchBridge(db, clock, switch, shared=shared, counts=metrics.loop("switch-events"))
    relay.subscribe("switch.", bridge.deliver, at_most_once=True)
    mail = EmailSender(db, clock, settings)
    relay.subscribe("email.", mail.deliver, at_most_once=True)  # never hold a lock over SMTP
    customer_emails = CustomerEmails(db, clock, settings)
    await customer_emails.prepare()
    # In the relay's transaction: the e-mails a change calls for commit with its delivery.
    relay.subscribe("callback.", customer_emails.deliver)
    webhooks = WebhookDispatcher(db, clock, settings, metrics)

    async def kick(notice: CommitNotice) -> None:
        # Wake only the loops that have something to do after this commit.
        topics = {event.topic for event in notice.outbox_events}
        if any(topic.startswith(("switch.", "email.")) for topic in topics):
            relay.kick()
        if notice.agent_events:
            routing.kick()
        elif "callback.queued" in topics:
            routing.kick_for_callback()

    for listener in (timers.on_commit, hub.on_commit, kick, webhooks.on_commit):
        db.on_commit(listener)
    await bridge.start()
    await hub.start()
    await link_key(db, settings)  # made at the first start, then read by every node
    return Runtime(
        settings, db, clock, metrics, timers, relay, routing, hub, bridge, mail, webhooks
    )


# A call the switch does not hold, unchanged this long, is over (see SwitchBridge.settle_orphans).
ORPHAN_CALL_AFTER = timedelta(seconds=30)


async def _housekeeping(runtime: Runtime, counts: LoopCounts | None = None) -> None:
    """Fold the waiting counts' changes; refresh gauges; forget spent rate-limit windows, old
    idempotency keys, delivered events; settle calls the switch does not hold."""
    streak = FailureStreak(log, "housekeeping pass", counts=counts)
    while True:
        now = runtime.clock.now()
        try:
            # On its own: the counts' rows stay locked only for the fold, not for the pruning.
            async with runtime.db.transaction() as session:
                await callback_repository.fold_waiting_changes(session)
            async with runtime.db.transaction() as session:
                by_state = await callback_repository.counts_by_state(session, ACTIVE_STATES)
                await ratelimit.prune(session, before=now - timedelta(days=2))
                await callback_repository.prune_idempotency_keys(
                    session, before=now - timedelta(hours=runtime.settings.idempotency_ttl_hours)
                )
                await outbox.prune(session, published_before=now - timedelta(days=7))
                await interaction_repository.prune_events(session, before=now - timedelta(days=2))
            runtime.metrics.set_callback_counts(by_state)
            await runtime.bridge.settle_orphans(unchanged_for=ORPHAN_CALL_AFTER)
        except Exception as exc:
            streak.failed(exc)
        else:
            streak.succeeded()
        await asyncio.sleep(runtime.settings.stats_interval_seconds)


def _problem(request: Request, error: RingbackError, metrics: Metrics) -> JSONResponse:
    metrics.refusals.labels(code=error.code).inc()
    return JSONResponse(
        error.problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=error.headers,
    )


def _install_error_handlers(app: FastAPI, metrics: Metrics) -> None:
    @app.exception_handler(RingbackError)
    async def ringback_error(request: Request, exc: RingbackError) -> JSONResponse:
        return _problem(request, exc, metrics)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                # A JSON syntax error's location is a character offset, not a field.
                "field": ""
                if error["type"] == "json_invalid"
                else ".".join(
                    str(p) for p in error["loc"] if p not in ("body", "query", "path", "header")
                ),
                "in": error["loc"][0] if error["loc"] else None,
                "reason": str(error["msg"]).removeprefix("Value error, "),
            }
            for error in exc.errors()
        ]
        first = errors[0] if errors else {"field": None, "reason": "invalid request"}
        detail = f"{first['field']}: {first['reason']}" if first["field"] else str(first["reason"])
        # A validator that knows the product's rule names it (PydanticCustomError with a code
        # such as "unknown-time-zone"); pydantic's own error types are all snake_case.
        kind = str(exc.errors()[0]["type"]) if errors else ""
        problem = RingbackError(
            kind if "-" in kind else "invalid-request",
            detail,
            status=422,
            field=first["field"] or None,
            errors=errors,
        )
        return _problem(request, problem, metrics)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path; a path has several.
            headers["Allow"] = ", ".join(_methods_of(app, request.url.path)) or headers.get(
                "Allow", ""
            )
        problem = RingbackError(code, str(exc.detail), status=exc.status_code, headers=headers)
        return _problem(request, problem, metrics)

    app.add_middleware(_UnexpectedErrors, metrics=metrics)


class _UnexpectedErrors:
    """Answers an unhandled exception with a problem, and logs it once.

    Starlette's handler for ``Exception`` re-raises after answering, and uvicorn then logs the
    same exception a second time; this middleware sits inside it and ends the matter.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_and_watch(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        except Exception as exc:
            if started:
                raise  # too late to answer: uvicorn logs it and drops the connection
            request = Request(scope)
            # A customer's page has its bearer token in the path: log the route's template.
            route = getattr(scope.get("route"), "path", "")
            log.error(
                "request failed",
                method=request.method,
                path=route if "{token}" in route else request.url.path,
                error=f"{type(exc).__name__}: {exc}",
                exc_info=exc,
            )
            problem = RingbackError(
                "internal-error",
                "the server failed to handle this request; it was logged",
                status=500,
            )
            await _problem(request, problem, self.metrics)(scope, receive, send)


def _methods_of(app: FastAPI, path: str) -> list[str]:
    """Every method the OpenAPI document gives for the request's path. A concrete segment
    comes before a template's (as OpenAPI matches paths): `/x/availability` is not `/x/{id}`."""
    matching = [
        (template.count("{"), operations)
        for template, operations in app.openapi()["paths"].items()
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path)
    ]
    fewest = min((count for count, _ in matching), default=0)
    return sorted({m.upper() for count, ops in matching if count == fewest for m in ops})


class _RequestMetrics:
    """Counts requests per route template (never per raw path, which would explode the labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            self.metrics.request_seconds.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )
