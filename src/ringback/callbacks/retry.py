"""What happens to a callback whose agent closed it without reaching the customer (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ringback.config.schema import RetryDelays
from ringback.telephony.switch import DialResult


@dataclass(frozen=True)
class Retry:
    due_at: datetime


@dataclass(frozen=True)
class GiveUp:
    reason: str


def after_failed_attempt(
    *, result: DialResult, attempts: int, max_attempts: int, delays: RetryDelays, now: datetime
) -> Retry | GiveUp:
    """Retry after the delay the service sets for ``result``, until the attempts run out.

    A number the network says does not exist is never tried again.
    """
    if result is DialResult.INVALID_NUMBER:
        return GiveUp("the number does not exist")
    if attempts >= max_attempts:
        return GiveUp(f"no contact after {attempts} attempts (last: {result})")
    if result is DialResult.ANSWERED:
        raise ValueError("an answered call is not a failed attempt")
    seconds = getattr(delays, str(result))
    return Retry(now + timedelta(seconds=seconds))
