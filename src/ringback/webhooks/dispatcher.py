"""The delivery loop: callback events to integrators' endpoints, signed, at least once.

Each pass makes the deliveries of new events (one node at a time, so that a callback's
deliveries follow its events), then claims due deliveries endpoint by endpoint and sends each
in a task of its own. Nothing is held open while an endpoint answers: the claim commits a lease,
the request goes out with a timeout, and the result is recorded in a transaction of its own.
So a slow or dead receiver costs only its own slots here (at most ``webhook_endpoint_concurrency``
per endpoint and ``webhook_concurrency`` on the node), never a lock that intake or routing waits
for. A node that dies mid-send leaves a lease that runs out; another node sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import datetime, timedelta

import httpx
import structlog
from standardwebhooks import Webhook

from ringback import __version__
from ringback.clock import Clock
from ringback.db import CommitNotice, Database
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts, Metrics
from ringback.settings import Settings
from ringback.webhooks import repository, service
from ringback.webhooks.metrics import WebhookMetrics
from ringback.webhooks.service import AttemptResult, Outcome, Outgoing

log = structlog.get_logger(__name__)
FAILURE_PAUSE = 2.0  # seconds
POLL_SECONDS = 1.0  # for what other nodes committed, which cannot wake this one
COALESCE_SECONDS = 0.05  # a burst of commits makes one pass, not one each
STATS_SECONDS = 15.0
ERROR_EXCERPT = 200  # characters of an error answer kept in the delivery log


class WebhookDispatcher:
    def __init__(self, db: Database, clock: Clock, settings: Settings, metrics: Metrics) -> None:
        self._db = db
        self._clock = clock
        self._concurrency = settings.webhook_concurrency
        self._per_endpoint = settings.webhook_endpoint_concurrency
        self._timeout = settings.webhook_timeout_seconds
        self._horizon = timedelta(hours=settings.webhook_retry_hours)
        self._retention = timedelta(days=settings.webhook_retention_days)
        # A node that dies sending leaves the delivery to others once this has passed.
        self._lease = timedelta(seconds=self._timeout + 30)
        self.metrics = WebhookMetrics(metrics.registry)
        self._wake = asyncio.Event()
        self._in_flight: dict[uuid.UUID, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._any_endpoint = True  # until the first pass has looked

    async def on_commit(self, notice: CommitNotice) -> None:
        """A commit that changed callbacks wakes the loop, when there is anyone to tell."""
        if self._any_endpoint and any(
            event.topic.startswith("callback.") for event in notice.outbox_events
        ):
            self._wake.set()

    def kick(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """One pass: make the deliveries of new events, then start sending what is due.
        Returns how many sends were started."""
        now = self._clock.now()
        while True:
            async with self._db.transaction() as session:
                fanned = await service.fan_out(session, now=now)
            if fanned < service.FAN_OUT_BATCH:
                break
        room = self._concurrency - sum(self._in_flight.values())
        claimed: list[Outgoing] = []
        async with self._db.transaction() as session:
            endpoints = await repository.endpoints(session)
            self._any_endpoint = bool(endpoints)
            for endpoint in endpoints:
                if not endpoint.enabled or room <= 0:
                    continue
                free = min(room, self._per_endpoint - self._in_flight.get(endpoint.id, 0))
                if free <= 0:
                    continue
                taken = await service.claim(
                    session, endpoint=endpoint, now=now, limit=free, lease=self._lease
                )
                claimed += taken
                room -= len(taken)
        for outgoing in claimed:
            self._in_flight[outgoing.endpoint_id] = self._in_flight.get(outgoing.endpoint_id, 0) + 1
            task = asyncio.create_task(self._deliver(outgoing), name="webhook-delivery")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def wait_idle(self) -> None:
        """Until every send started so far has been recorded (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def next_at(self) -> datetime | None:
        """The next retry planned after now. What is due already but was not taken (no free
        slot, or behind an earlier event of its callback) waits for a finished send instead."""
        async with self._db.transaction() as session:
            return await repository.next_attempt_at(session, after=self._clock.now())

    async def _deliver(self, outgoing: Outgoing) -> None:
        try:
            result = await self._send(outgoing)
            async with self._db.transaction() as session:
                outcome, endpoint = await service.record_attempt(
                    session,
                    delivery_id=outgoing.delivery_id,
                    result=result,
                    now=self._clock.now(),
                    horizon=self._horizon,
                )
            self.metrics.attempts.labels(result=outcome.value).inc()
            self.metrics.attempt_seconds.observe(result.duration_ms / 1000)
            if outcome is Outcome.DISABLED and endpoint is not None:
                log.warning(
                    "webhook endpoint disabled",
                    endpoint_id=str(endpoint.id),
                    endpoint=endpoint.name,
                    host=httpx.URL(endpoint.url).host,
                    reason=endpoint.disabled_reason,
                )
        except Exception:
            # The lease runs out and the delivery is sent again: nothing is lost.
            log.exception("webhook delivery not recorded", delivery_id=outgoing.delivery_id)
        finally:
            self._in_flight[outgoing.endpoint_id] -= 1
            if not self._in_flight[outgoing.endpoint_id]:
                del self._in_flight[outgoing.endpoint_id]
            self._wake.set()  # a slot is free

    async def _send(self, outgoing: Outgoing) -> AttemptResult:
        """One signed POST; never raises for what the endpoint or the network did."""
        started_at = self._clock.now()
        signature = " ".join(
            Webhook(secret).sign(outgoing.event_id, started_at, outgoing.body)
            for secret in outgoing.secrets
        )
        headers = {
            "content-type": "application/json",
            "user-agent": f"Ringback-Webhooks/{__version__}",
            "webhook-id": outgoing.event_id,
            "webhook-timestamp": str(int(started_at.timestamp())),
            "webhook-signature": signature,
        }
        status: int | None = None
        error: str | None = None
        began = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http().post(
                    outgoing.url, content=outgoing.body.encode(), headers=headers
                )
            status = response.status_code
            if not 200 <= status < 300:
                excerpt = response.text[:ERROR_EXCERPT].strip()
                error = f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
        except TimeoutError:
            error = f"no answer within {self._timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = round((time.perf_counter() - began) * 1000)
        return AttemptResult(started_at, duration_ms, status, error)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Redirects are not followed: a delivery goes to the URL its owner gave.
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(self._timeout),
                limits=httpx.Limits(max_connections=self._concurrency),
            )
        return self._client

    async def refresh_stats(self) -> None:
        """Gauges of endpoints and waiting deliveries; and forget events past retention."""
        now = self._clock.now()
        async with self._db.transaction() as session:
            await repository.prune_events(session, before=now - self._retention)
            endpoints = await repository.endpoints(session)
            pending = await service.pending_of(session, endpoints)
        enabled = [e for e in endpoints if e.enabled]
        self.metrics.endpoints.labels(state="enabled").set(len(enabled))
        self.metrics.endpoints.labels(state="failing").set(
            sum(1 for e in enabled if e.failing_since is not None)
        )
        self.metrics.endpoints.labels(state="disabled").set(len(endpoints) - len(enabled))
        self.metrics.pending.set(sum(p.count for p in pending.values()))
        oldest = [at for e in enabled if (at := pending[e.id].oldest) is not None]
        self.metrics.oldest_pending.set(
            max(0.0, (now - min(oldest)).total_seconds()) if oldest else 0.0
        )

    async def run(self, counts: LoopCounts | None = None) -> None:
        """Pass after pass: when woken by a commit or a finished send, when a retry is due,
        and at least every second for what other nodes committed."""
        streak = FailureStreak(log, "webhook pass", counts=counts)
        stats_due = 0.0
        try:
            while True:
                self._wake.clear()
                upcoming = None
                try:
                    started = await self.run_once()
                    upcoming = await self.next_at()
                    if time.monotonic() >= stats_due:
                        await self.refresh_stats()
                        stats_due = time.monotonic() + STATS_SECONDS
                except Exception as exc:
                    streak.failed(exc)
                    await asyncio.sleep(FAILURE_PAUSE)  # e.g. the database is down: do not spin
                else:
                    streak.succeeded(started)
                sleep = POLL_SECONDS
                if upcoming is not None:
                    sleep = min(sleep, max(0.0, (upcoming - self._clock.now()).total_seconds()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=sleep)
                await asyncio.sleep(COALESCE_SECONDS)
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop the sends under way (their leases run out, and they are sent again)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
