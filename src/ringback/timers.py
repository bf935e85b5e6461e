"""Everything that happens at a stored time: callbacks falling due, offers timing out, After
Call Work ending.

The loop sleeps until the earliest time any job reads from its index (or until a commit wakes
it), runs what is due in batches, and repeats. Due rows are claimed with ``FOR UPDATE SKIP
LOCKED`` and a state change, so several nodes may run it at once and each thing happens exactly
once; after downtime the first pass catches up with the backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.service import end_after_call_work
from ringback.callbacks import repository as callback_repository
from ringback.callbacks import service as callback_service
from ringback.clock import Clock
from ringback.db import CommitNotice, Database
from ringback.interactions import repository as interaction_repository
from ringback.interactions.offers import time_out_offers
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts, Metrics

log = structlog.get_logger(__name__)
FAILURE_PAUSE = 2.0  # seconds


@dataclass(frozen=True)
class TimerJob:
    name: str
    fire: Callable[[AsyncSession, datetime, int], Awaitable[int]]  # handle up to N due items
    next_at: Callable[[AsyncSession], Awaitable[datetime | None]]


class Timers:
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
        self.jobs = [
            TimerJob("callbacks due", self._callbacks_due, callback_repository.next_due_at),
            TimerJob(
                "offer timeouts",
                lambda s, now, n: time_out_offers(s, now=now, limit=n),
                interaction_repository.next_offer_expiry,
            ),
            TimerJob(
                "after call work",
                lambda s, now, n: end_after_call_work(s, now=now, limit=n),
                agent_repository.next_acw_end,
            ),
        ]

    async def on_commit(self, notice: CommitNotice) -> None:
        """Wake up early: a commit may have set a time sooner than the one we sleep towards."""
        if notice.agent_events or any(e.payload.get("due_at") for e in notice.outbox_events):
            self._wake.set()

    async def _callbacks_due(self, session: AsyncSession, now: datetime, limit: int) -> int:
        made = await callback_service.make_due(session, now=now, limit=limit)
        for _, due_at in made:
            self._metrics.scheduler_lateness.observe((now - due_at).total_seconds())
        return len(made)

    async def run_once(self) -> int:
        """Run everything due now; returns how many things were done."""
        total = 0
        for job in self.jobs:
            while True:
                async with self._db.transaction() as session:
                    done = await job.fire(session, self._clock.now(), self._batch_size)
                total += done
                if done < self._batch_size:
                    break
        return total

    async def next_at(self) -> datetime | None:
        async with self._db.transaction() as session:
            times = [await job.next_at(session) for job in self.jobs]
        return min((t for t in times if t is not None), default=None)

    async def run(self, counts: LoopCounts | None = None) -> None:
        streak = FailureStreak(log, "timer pass", counts=counts)
        while True:
            self._wake.clear()
            try:
                done = await self.run_once()
                upcoming = await self.next_at()
            except Exception as exc:
                streak.failed(exc)
                upcoming = None
                await asyncio.sleep(FAILURE_PAUSE)  # e.g. the database is down: do not spin
            else:
                streak.succeeded(done)
            now = self._clock.now()
            self._metrics.scheduler_lag.set(
                max(0.0, (now - upcoming).total_seconds()) if upcoming else 0.0
            )
            sleep = self._max_sleep
            if upcoming is not None:
                sleep = min(sleep, max(0.0, (upcoming - now).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)
