"""Slots and openings around clock changes, for random office hours and random windows.

``OfficeHours.is_open`` is the definition (the wall-clock time in the service's zone, on its
local date, is inside an open period); slots and openings must agree with it in every zone,
including the spring-forward gap, the repeated fall-back hour, Lord Howe's half-hour shift and
Santiago's changes at midnight.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.scheduling.hours import OfficeHours, OpenPeriod
from ringback.scheduling.slots import Slot, slot_at, slots_between

ZONES = (
    "America/New_York",
    "Europe/Paris",
    "Australia/Lord_Howe",
    "Europe/London",
    "America/Santiago",
)
MICROSECOND = timedelta(microseconds=1)
PROPERTY = settings(max_examples=150, deadline=None, database=None)

FIVE_MINUTE_MARKS = tuple(range(0, 24 * 60 + 1, 5))


@cache
def clock_changes(zone_name: str) -> tuple[datetime, ...]:
    """The instants at which the zone changed its UTC offset from 2024 to 2028."""
    zone = ZoneInfo(zone_name)
    step = timedelta(hours=6)
    at, stop = datetime(2024, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)
    changes = []
    while at < stop:
        after = at + step
        if at.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = 0, int(step.total_seconds())  # changes in (low, high] seconds from at
            while high - low > 1:
                middle = (low + high) // 2
                offset = (at + timedelta(seconds=middle)).astimezone(zone).utcoffset()
                if offset == at.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(at + timedelta(seconds=high))
        at = after
    assert len(changes) >= 8, zone_name  # two a year: the zone still observes DST
    return tuple(changes)


@cache
def marks_near(zone_name: str, change: datetime) -> tuple[int, ...]:
    """Period boundaries around the wall-clock times of a change, so that periods start and
    end inside its gap or repeated hour."""
    zone = ZoneInfo(zone_name)
    before, after = (
        local.hour * 60 + local.minute + round(local.second / 60)
        for local in (at.astimezone(zone) for at in (change - timedelta(seconds=1), change))
    )

    def apart(a: int, b: int) -> int:
        # Santiago changes at midnight: 24:00 and 00:00 are the same wall-clock time.
        return min(abs(a - b), 1440 - abs(a - b))

    # The marks between the two wall-clock times, and up to 15 minutes beyond either.
    return tuple(
        mark
        for mark in FIVE_MINUTE_MARKS
        if apart(mark, before) + apart(mark, after) <= apart(before, after) + 30
    )


@st.composite
def day_periods(draw: st.DrawFn, near: tuple[int, ...]) -> tuple[OpenPeriod, ...]:
    """Sorted, non-overlapping periods of one day: the whole day, or periods crowded around
    the clock change, or periods anywhere in the day."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return (OpenPeriod(0, 24 * 60),)
    crowded = kind < 3
    marks = near if crowded else FIVE_MINUTE_MARKS + near * 4
    # A mark drawn twice lets one period end where the next one starts.
    chosen = sorted(
        draw(st.lists(st.sampled_from(marks), min_size=4 if crowded else 0, max_size=6))
    )
    pairs = zip(chosen[::2], chosen[1::2], strict=False)
    return tuple(OpenPeriod(a, b) for a, b in pairs if a < b)


@st.composite
def weeks(draw: st.DrawFn, near: tuple[int, ...]) -> tuple[tuple[OpenPeriod, ...], ...]:
    """Seven days made of up to three day patterns, so that neighbouring days differ."""
    patterns = draw(st.lists(day_periods(near), min_size=1, max_size=3))
    rotation = draw(st.integers(0, 6))
    return tuple(patterns[(day + rotation) % len(patterns)] for day in range(7))


@dataclass(frozen=True)
class Case:
    hours: OfficeHours
    length: timedelta
    start: datetime
    end: datetime

    @property
    def closed_dates(self) -> set[date]:
        return {day for day, periods in self.hours.exceptions.items() if not periods}

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.hours.zone).date()


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    change = draw(st.sampled_from(clock_changes(zone_name)))
    near = marks_near(zone_name, change)
    weekly = draw(weeks(near))
    change_day = change.astimezone(zone).date()
    near_change = st.integers(-2, 2).map(lambda days: change_day + timedelta(days=days))
    # An empty tuple is a day closed by exception, which must then offer nothing.
    exception_hours = st.one_of(st.just(()), day_periods(near))
    exceptions = draw(st.dictionaries(near_change, exception_hours, max_size=3))
    length = timedelta(minutes=draw(st.sampled_from((5, 7, 10, 15, 20, 30, 45, 60, 90, 240))))
    # Mostly within hours of the change, sometimes days away from it.
    seconds_from_change = st.one_of(
        st.integers(-3 * 3_600, 3 * 3_600), st.integers(-2 * 86_400, 2 * 86_400)
    )
    start = change + timedelta(
        seconds=draw(seconds_from_change),
        microseconds=draw(st.sampled_from((0, 0, 1, 999_999))),
    )
    end = start + timedelta(seconds=draw(st.integers(1, 3 * 86_400)))
    return Case(OfficeHours(zone, weekly, exceptions), length, start, end)


def instants_of(slot: Slot) -> list[datetime]:
    length = slot.end - slot.start
    between = [slot.start + length * k / 7 for k in range(1, 7)]
    return [slot.start, *between, slot.end - MICROSECOND]


@PROPERTY
@given(cases())
def test_slots_are_offered_once_in_order_with_the_configured_length(case: Case) -> None:
    found = slots_between(case.hours, case.length, case.start, case.end)
    assert len(set(found)) == len(found)
    for before, after in itertools.pairwise(found):
        assert before.start < after.start
        assert before.end <= after.start
    for slot in found:
        assert case.start <= slot.start < case.end
        assert slot.end - slot.start == case.length


@PROPERTY
@given(cases())
def test_every_instant_of_every_slot_is_open_and_belongs_to_that_slot(case: Case) -> None:
    for slot in slots_between(case.hours, case.length, case.start, case.end):
        for at in instants_of(slot):
            assert case.hours.is_open(at), (slot, at, at.astimezone(case.hours.zone))
            assert case.local_date(at) not in case.closed_dates
            assert slot_at(case.hours, case.length, at) == slot


@PROPERTY
@given(cases(), st.integers(0, 2 * 86_400), st.integers(0, 2 * 86_400))
def test_a_slot_keeps_its_place_in_a_larger_window(
    case: Case, earlier_by: int, later_by: int
) -> None:
    found = slots_between(case.hours, case.length, case.start, case.end)
    wider = slots_between(
        case.hours,
        case.length,
        case.start - timedelta(seconds=earlier_by),
        case.end + timedelta(seconds=later_by),
    )
    assert set(found) <= set(wider)
    # Nothing the larger window offers inside the smaller one is missing from it.
    assert found == [slot for slot in wider if case.start <= slot.start < case.end]


@PROPERTY
@given(cases(), st.integers(0, 200))
def test_intervals_agree_with_is_open(case: Case, step_minutes: int) -> None:
    intervals = list(case.hours.intervals(case.start, case.end))
    at = case.start
    step = timedelta(minutes=step_minutes, seconds=37)  # odd, to land on varied instants
    while at < case.end:
        assert case.hours.is_open(at) is any(at in interval for interval in intervals), at
        at += step


@PROPERTY
@given(cases())
def test_next_open_is_the_first_open_instant(case: Case) -> None:
    minute = timedelta(minutes=1)
    # The window's start, and instants just around each opening and closing in the window.
    asked = [case.start] + [
        at
        for interval in case.hours.intervals(case.start, case.end)
        for at in (interval.start - minute, interval.end - minute, interval.end + minute)
    ]
    for at in asked:
        opening = case.hours.next_open(at)
        if opening is None:
            # Only a week with no hours at all is never open again; the exceptions that open
            # lie within days of the window, so sampling a week ahead finds any still ahead.
            assert not any(case.hours.weekly)
            step = timedelta(minutes=7)
            assert not any(case.hours.is_open(at + step * k) for k in range(7 * 24 * 60 // 7))
            continue
        assert opening >= at
        assert case.hours.is_open(opening), (at, opening)
        if opening > at:
            waiting = opening - at
            samples = [at + waiting * k / 16 for k in range(16)] + [opening - MICROSECOND]
            for closed in samples:
                assert not case.hours.is_open(closed), (at, closed, opening)
