"""Report buckets in a service's time zone (pure): 15 minutes, hours, days and weeks whose
boundaries are local wall-clock times, turned into UTC instants, so a day is 23, 24 or 25 hours
long across a DST change and a fall-back night has two 02:00 hours."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo


class BucketSize(StrEnum):
    QUARTER_HOUR = "15min"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


SUB_DAY_MINUTES = {BucketSize.QUARTER_HOUR: 15, BucketSize.HOUR: 60}


@dataclass(frozen=True)
class Bucket:
    """``[start, end)`` in UTC; ``label`` is the start as a wall-clock time in the zone."""

    start: datetime
    end: datetime
    label: datetime


def _floor_sub_day(instant: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """The latest instant at or before ``instant`` whose local time is a whole multiple of
    ``minutes`` past the hour."""
    local = instant.astimezone(zone)
    into = timedelta(
        minutes=local.minute % minutes, seconds=local.second, microseconds=local.microsecond
    )
    return instant - into


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant ``day`` begins in ``zone`` (where midnight is skipped, the change itself)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _boundaries(
    start: datetime, end: datetime, size: BucketSize, zone: ZoneInfo
) -> Iterator[datetime]:
    """Bucket boundaries from the one at or before ``start`` to the first at or after ``end``."""
    if size in SUB_DAY_MINUTES:
        minutes = SUB_DAY_MINUTES[size]
        step = timedelta(minutes=minutes)
        at = _floor_sub_day(start, minutes, zone)
        yield at
        while at < end:
            after = _floor_sub_day(at + step, minutes, zone)
            # An offset change that is not a whole bucket (Lord Howe's half hour) realigns here.
            at = after if after > at else at + step
            yield at
        return
    day = start.astimezone(zone).date()
    days = 1
    if size is BucketSize.WEEK:
        day -= timedelta(days=day.weekday())  # weeks begin on Monday
        days = 7
    at = local_midnight(day, zone)
    yield at
    while at < end:
        day += timedelta(days=days)
        at = local_midnight(day, zone)
        yield at


def buckets(start: datetime, end: datetime, size: BucketSize, zone: ZoneInfo) -> list[Bucket]:
    """The buckets covering ``[start, end)``; the first and last are cut to the range."""
    edges = list(_boundaries(start.astimezone(UTC), end.astimezone(UTC), size, zone))
    found = []
    for left, right in pairwise(edges):
        lo, hi = max(left, start), min(right, end)
        if lo < hi:
            found.append(Bucket(lo.astimezone(UTC), hi.astimezone(UTC), lo.astimezone(zone)))
    return found


def count_buckets(start: datetime, end: datetime, size: BucketSize) -> int:
    """An upper bound of how many buckets ``[start, end)`` makes, without building them."""
    width = {
        BucketSize.QUARTER_HOUR: timedelta(minutes=15),
        BucketSize.HOUR: timedelta(hours=1),
        BucketSize.DAY: timedelta(hours=23),
        BucketSize.WEEK: timedelta(days=7) - timedelta(hours=1),
    }[size]
    return int((end - start) / width) + 2


class Locator:
    """Which bucket an instant (seconds since 1970) falls in, by bisection over the starts."""

    def __init__(self, spans: Sequence[Bucket]) -> None:
        self._starts = [b.start.timestamp() for b in spans]
        self._end = spans[-1].end.timestamp() if spans else None

    def index(self, seconds: float) -> int | None:
        if self._end is None or seconds >= self._end:
            return None
        found = bisect_right(self._starts, seconds) - 1
        return found if found >= 0 else None
