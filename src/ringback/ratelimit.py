"""Fixed-window request budgets kept in the database, so every node counts the same hits."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.apikeys.models import RateLimitWindow
from ringback.db import upsert
from ringback.errors import RingbackError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def spend(
    session: AsyncSession, *, bucket: str, limit: int, window: timedelta, now: datetime, what: str
) -> None:
    """Count one hit against ``bucket``; past ``limit`` in this window, refuse with 429."""
    window_start = EPOCH + ((now - EPOCH) // window) * window
    insert = upsert(session)
    statement = insert(RateLimitWindow).values(bucket=bucket, window_start=window_start, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=["bucket", "window_start"],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.hits)
    hits = (await session.execute(statement)).scalar_one()
    if hits > limit:
        raise _refusal(limit, window, window_start, now, what)


async def refuse_if_spent(
    session: AsyncSession, *, bucket: str, limit: int, window: timedelta, now: datetime, what: str
) -> None:
    """429 if ``bucket`` has no hit left in this window; a read, which locks nothing."""
    window_start = EPOCH + ((now - EPOCH) // window) * window
    hits = await session.scalar(
        select(RateLimitWindow.hits).where(
            RateLimitWindow.bucket == bucket, RateLimitWindow.window_start == window_start
        )
    )
    if hits is not None and hits >= limit:
        raise _refusal(limit, window, window_start, now, what)


def _refusal(
    limit: int, window: timedelta, window_start: datetime, now: datetime, what: str
) -> RingbackError:
    retry_after = max(1, math.ceil((window_start + window - now).total_seconds()))
    return RingbackError(
        "rate-limited",
        f"too many requests for {what}: at most {limit} per {_span(window)}; "
        f"try again in {retry_after} s",
        status=429,
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


async def prune(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < before))


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    return {60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} s")
