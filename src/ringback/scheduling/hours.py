"""Weekly office hours with dated exceptions, in a service's own time zone.

An instant is open when its wall-clock time in the service's zone falls inside one of the open
periods of its local date. Converting periods to UTC follows that definition exactly, also on
days when the clocks change: a local time that does not exist is never open, and a local time
that happens twice is open both times.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PERIOD = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True, order=True)
class OpenPeriod:
    """Open from ``start`` to ``end`` (exclusive), in minutes after local midnight."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError("an open period must start before it ends, within one day")

    @classmethod
    def parse(cls, text: str) -> OpenPeriod:
        """Parse ``HH:MM-HH:MM``; ``24:00`` is allowed as an end."""
        match = _PERIOD.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a period like 09:00-17:30")
        sh, sm, eh, em = (int(part) for part in match.groups())
        if sm > 59 or em > 59 or sh > 23 or eh > 24 or (eh == 24 and em):
            raise ValueError(f"{text!r} holds a time that does not exist")
        start, end = sh * 60 + sm, eh * 60 + em
        if start >= end:
            raise ValueError(f"{text!r} ends before it starts (periods may not cross midnight)")
        return cls(start, end)

    def __str__(self) -> str:
        return (
            f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"
        )

    def contains(self, minute_of_day: float) -> bool:
        return self.start <= minute_of_day < self.end


def check_periods(periods: tuple[OpenPeriod, ...]) -> tuple[OpenPeriod, ...]:
    """Sort periods and refuse overlapping ones."""
    ordered = tuple(sorted(periods))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"periods {before} and {after} overlap")
    return ordered


@dataclass(frozen=True)
class Interval:
    """A half-open span of time ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    def __contains__(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class OfficeHours:
    zone: ZoneInfo
    weekly: tuple[tuple[OpenPeriod, ...], ...]  # seven entries, Monday first
    exceptions: Mapping[date, tuple[OpenPeriod, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly office hours need seven days, Monday first")

    def periods_on(self, day: date) -> tuple[OpenPeriod, ...]:
        """The open periods of a local date: its exception if it has one, else its weekday's."""
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly[day.weekday()]

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        return any(period.contains(minute) for period in self.periods_on(local.date()))

    def intervals_on(self, day: date) -> Iterator[Interval]:
        """The UTC intervals during which the local date ``day`` is open, in order."""
        # Periods come in wall-clock order, but on a fall-back day the second run of one
        # period's repeated hour comes after the first run of the next period.
        spans = [
            interval
            for period in self.periods_on(day)
            for interval in local_span_to_utc(day, period, self.zone)
        ]
        yield from sorted(spans, key=lambda interval: interval.start)

    def intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """Open intervals (per local period, unclipped) that overlap ``[start, end)``."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        while day <= last:
            for interval in self.intervals_on(day):
                if interval.end > start and interval.start < end:
                    yield interval
            day += timedelta(days=1)

    def next_open(self, at: datetime, *, horizon_days: int = 400) -> datetime | None:
        """The first open instant at or after ``at``, or None if closed for the whole horizon."""
        for interval in self.intervals(at, at + timedelta(days=horizon_days)):
            if interval.end > at:
                return max(interval.start, at)
        return None


def local_span_to_utc(day: date, period: OpenPeriod, zone: ZoneInfo) -> list[Interval]:
    """Every instant whose wall-clock time on ``day`` lies in ``period``, as UTC intervals."""
    midnight = datetime.combine(day, time())
    first = midnight + timedelta(minutes=period.start)
    last = midnight + timedelta(minutes=period.end)
    offsets = {
        naive.replace(tzinfo=zone, fold=fold).utcoffset()
        for naive in (first, last)
        for fold in (0, 1)
    }
    pieces: list[Interval] = []
    for offset in offsets:
        assert offset is not None
        low = (first - offset).replace(tzinfo=UTC)
        high = (last - offset).replace(tzinfo=UTC)
        pieces.extend(_runs_with_offset(low, high, offset, zone))
    return _merge(pieces)


def _runs_with_offset(
    low: datetime, high: datetime, offset: timedelta, zone: ZoneInfo
) -> Iterator[Interval]:
    """The parts of ``[low, high)`` during which ``zone`` is at ``offset``."""
    while low < high:
        offset_here = low.astimezone(zone).utcoffset()
        change = _next_change(low, high, zone)
        if offset_here == offset:
            yield Interval(low, change)
        low = change


def _next_change(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in ``(low, high]`` with another UTC offset than ``low`` (or ``high``)."""
    offset = low.astimezone(zone).utcoffset()
    if (high - timedelta(seconds=1)).astimezone(zone).utcoffset() == offset:
        return high
    lo, hi = low, high - timedelta(seconds=1)  # offset(lo) == offset, offset(hi) != offset
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return hi


def _merge(pieces: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for piece in sorted(pieces, key=lambda p: p.start):
        if piece.end <= piece.start:
            continue
        if merged and piece.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, piece.end))
        else:
            merged.append(piece)
    return merged
