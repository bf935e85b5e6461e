"""Fixed-window request budgets kept in the database, so every node counts the same hits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.apikeys.models import RateLimitWindow
from ringback.db import upsert
from ringback.errors import RingbackError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` hits per ``window`` on ``bucket`` (an API key, a phone number)."""

    bucket: str
    limit: int
    window: timedelta
    what: str  # how a refusal names it: "API key web", "number +4420..."
    code: str = "rate-limited"  # the refusal's problem code
    hits: str = "requests"  # what a hit is, in the refusal's words: "failed sign-ins"

    def window_start(self, now: datetime) -> datetime:
        return EPOCH + ((now - EPOCH) // self.window) * self.window


async def spend(session: AsyncSession, budget: Budget, *, now: datetime) -> None:
    """Count one hit; past the limit in this window, refuse with 429."""
    if await count(session, budget, now=now) > budget.limit:
        raise _refusal(budget, now)


async def count(session: AsyncSession, budget: Budget, *, now: datetime) -> int:
    """Count one hit and return the hits in this window so far; never refuses."""
    window_start = budget.window_start(now)
    insert = upsert(session)
    statement = insert(RateLimitWindow).values(
        bucket=budget.bucket, window_start=window_start, hits=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=["bucket", "window_start"],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.hits)
    return int((await session.execute(statement)).scalar_one())


async def refuse_if_spent(session: AsyncSession, budget: Budget, *, now: datetime) -> None:
    """429 if no hit is left in this window; a read, which locks nothing."""
    hits = await session.scalar(
        select(RateLimitWindow.hits).where(
            RateLimitWindow.bucket == budget.bucket,
            RateLimitWindow.window_start == budget.window_start(now),
        )
    )
    if hits is not None and hits >= budget.limit:
        raise _refusal(budget, now)


def _refusal(budget: Budget, now: datetime) -> RingbackError:
    retry_after = max(
        1, math.ceil((budget.window_start(now) + budget.window - now).total_seconds())
    )
    return RingbackError(
        budget.code,
        f"too many {budget.hits} for {budget.what}: at most {budget.limit} per "
        f"{_span(budget.window)}; try again in {retry_after} s",
        status=429,
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


async def prune(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < before))


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    named = {60: "minute", 3600: "hour", 86400: "day"}.get(seconds)
    return named or (f"{seconds // 60} minutes" if seconds % 60 == 0 else f"{seconds} s")
