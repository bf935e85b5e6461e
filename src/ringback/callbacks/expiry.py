"""Expiry: a callback still waiting long after the customer wanted it ends ``expired``.

A service's ``expire_after_hours`` says how long after its desired time (as asked, or as moved
by a reschedule or a retry) a callback may still wait, scheduled or queued. A sweep every
``RINGBACK_EXPIRY_INTERVAL_SECONDS`` (a minute) applies ``expire`` to the callbacks past it,
frees a booked slot, and records the change like any other: a history row, an outbox event,
a webhook. A callback on an agent's screen is not expired; if the agent refuses it, it is back
in the queue and the next sweep expires it. Rows are claimed with ``FOR UPDATE SKIP LOCKED``,
so several nodes may sweep at once.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks.models import Callback
from ringback.callbacks.service import change_state, end_waiting
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import Clock
from ringback.config import repository as config_repository
from ringback.db import Database
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts

log = structlog.get_logger(__name__)
EXPIRING_STATES = (CallbackState.SCHEDULED, CallbackState.QUEUED)
ACTOR = "scheduler"


async def expire_overdue(session: AsyncSession, *, now: datetime, limit: int) -> list[Callback]:
    """Expire up to ``limit`` callbacks waiting past their service's expire_after_hours."""
    expired: list[Callback] = []
    for service in await config_repository.active_services(session):
        hours = service.config.expire_after_hours
        if hours is None or len(expired) >= limit:
            continue
        overdue = await session.scalars(
            select(Callback)
            .where(
                Callback.service_id == service.id,
                Callback.state.in_(EXPIRING_STATES),
                Callback.desired_time <= now - timedelta(hours=hours),
            )
            .order_by(Callback.desired_time)
            .limit(limit - len(expired))
            .with_for_update(skip_locked=True)
        )
        for callback in overdue:
            await end_waiting(session, callback, now=now)
            change_state(
                session,
                callback,
                CallbackEvent.EXPIRE,
                actor=ACTOR,
                now=now,
                reason=f"not handled within {hours} hours of {callback.desired_time.isoformat()}",
            )
            expired.append(callback)
    return expired


async def run(
    db: Database,
    clock: Clock,
    counts: LoopCounts | None = None,
    *,
    interval_seconds: float,
    batch_size: int,
) -> None:
    """Sweep now, then every ``interval_seconds``, in batches of ``batch_size``."""
    streak = FailureStreak(log, "expiry sweep", counts=counts)
    while True:
        expired = 0
        try:
            while True:
                async with db.transaction() as session:
                    done = await expire_overdue(session, now=clock.now(), limit=batch_size)
                if done:
                    log.info("callbacks expired", count=len(done))
                expired += len(done)
                if len(done) < batch_size:
                    break
        except Exception as exc:
            streak.failed(exc)
        else:
            streak.succeeded(expired)
        await asyncio.sleep(interval_seconds)
