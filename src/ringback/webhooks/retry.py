"""When a failed delivery is tried again: exponential backoff, for a day (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_DELAY = timedelta(seconds=10)
FACTOR = 3
LONGEST_DELAY = timedelta(hours=4)


def delay_after(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failed attempt in a row (1, 2, ...):
    10 s, 30 s, 90 s, 4.5 min, 13.5 min, 40.5 min, 2 h 1.5 min, then every 4 hours."""
    if failures < 1:
        raise ValueError("a delay follows at least one failure")
    # Capped before the power grows without end: 3**10 times 10 s is already past 4 hours.
    delay: timedelta = FIRST_DELAY * FACTOR ** min(failures - 1, 10)
    return min(delay, LONGEST_DELAY)


def next_attempt(
    *, failures: int, first_attempt_at: datetime, failed_at: datetime, horizon: timedelta
) -> datetime | None:
    """When to try again after a failure, or None once the horizon since the first attempt has
    passed. The last attempt is made at the horizon itself, never after it."""
    give_up_at = first_attempt_at + horizon
    if failed_at >= give_up_at:
        return None
    return min(failed_at + delay_after(failures), give_up_at)
