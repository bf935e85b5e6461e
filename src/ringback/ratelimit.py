"""Fixed-window request budgets kept in the database, so every node counts the same hits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.apikeys.models import RateLimitWindow
from ringback.db import UTCDateTime
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


async def count(session: AsyncSession, budget: Budget, *, now: datetime, hits: int = 1) -> int:
    """Count ``hits`` and return the hits in this window so far; never refuses."""
    dialect = session.get_bind().dialect.name
    result = await session.execute(count_statement(dialect), count_parameters(budget, now, hits))
    return int(result.scalar_one())


@cache
def count_statement(dialect: str) -> Any:
    """The upsert that counts hits and returns the window's hits, built once per dialect (it
    may go into a larger statement); its parameters come from :func:`count_parameters`."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    hits = bindparam("budget_hits", type_=Integer)
    table = cast(Table, RateLimitWindow.__table__)
    return (
        insert(table)
        .values(
            bucket=bindparam("budget_bucket", type_=String),
            window_start=bindparam("budget_window_start", type_=UTCDateTime),
            hits=hits,
        )
        .on_conflict_do_update(
            index_elements=["bucket", "window_start"],
            set_={"hits": table.c.hits + hits},
        )
        .returning(table.c.hits)
    )


def count_parameters(budget: Budget, now: datetime, hits: int = 1) -> dict[str, Any]:
    return {
        "budget_bucket": budget.bucket,
        "budget_window_start": budget.window_start(now),
        "budget_hits": hits,
    }


async def refuse_if_spent(session: AsyncSession, budget: Budget, *, now: datetime) -> None:
    """429 if no hit is left in this window; a read, which locks nothing."""
    hits = await session.scalar(
        select(RateLimitWindow.hits).where(
            RateLimitWindow.bucket == budget.bucket,
            RateLimitWindow.window_start == budget.window_start(now),
        )
    )
    if hits is not None and hits >= budget.limit:
        raise refusal(budget, now)


def refusal(budget: Budget, now: datetime) -> RingbackError:
    """The 429 for a spent budget, with the seconds until its window ends."""
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
