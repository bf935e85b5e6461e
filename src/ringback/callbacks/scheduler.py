"""Makes scheduled callbacks due.

It sleeps until the earliest due time found in the due-time index (or until a commit tells it
of an earlier one), queues what is due in batches, and repeats. Rows are claimed with
``FOR UPDATE SKIP LOCKED`` and a state transition, so several nodes may run it at once and each
callback is queued exactly once; after downtime the first pass queues the whole backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

import structlog

from ringback.callbacks import repository, service
from ringback.clock import Clock
from ringback.db import Database
from ringback.metrics import Metrics

log = structlog.get_logger(__name__)


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        metrics: Metrics,
        *,
        batch_size: int = 500,
        max_sleep_seconds: float = 1.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._metrics = metrics
        self._batch_size = batch_size
        self._max_sleep = max_sleep_seconds
        self._wake = asyncio.Event()

    async def on_commit(self, events: list[Any]) -> None:
        """Wake up early when a commit scheduled something (it may be due sooner than we sleep)."""
        if any(event.payload.get("due_at") for event in events):
            self._wake.set()

    async def run_once(self) -> int:
        """Queue everything due now; returns how many callbacks were queued."""
        total = 0
        while True:
            now = self._clock.now()
            async with self._db.transaction() as session:
                made = await service.make_due(session, now=now, limit=self._batch_size)
            for callback, due_at in made:
                self._metrics.scheduler_lateness.observe((now - due_at).total_seconds())
                log.debug("callback due", callback=str(callback.id), due_at=due_at.isoformat())
            total += len(made)
            if len(made) < self._batch_size:
                return total

    async def next_due_at(self) -> datetime | None:
        async with self._db.transaction() as session:
            return await repository.next_due_at(session)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
                upcoming = await self.next_due_at()
            except Exception:
                log.exception("scheduler pass failed; retrying")
                upcoming = None
            now = self._clock.now()
            lag = max(0.0, (now - upcoming).total_seconds()) if upcoming else 0.0
            self._metrics.scheduler_lag.set(lag)
            sleep = self._max_sleep
            if upcoming is not None:
                sleep = min(sleep, max(0.0, (upcoming - now).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)
