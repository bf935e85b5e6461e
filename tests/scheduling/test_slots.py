"""Bookable slots: laid from the start of each open interval, whatever window is asked for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringback.scheduling.hours import Interval, OfficeHours, OpenPeriod, check_periods
from ringback.scheduling.slots import Slot, slot_at, slots_between, slots_in

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 1)  # New York is at -04:00
QUARTER = timedelta(minutes=15)
MICROSECOND = timedelta(microseconds=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def weekdays(
    *texts: str, exceptions: dict[date, tuple[OpenPeriod, ...]] | None = None
) -> OfficeHours:
    day = check_periods(tuple(OpenPeriod.parse(text) for text in texts))
    return OfficeHours(NEW_YORK, (day,) * 5 + ((), ()), exceptions or {})


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.start for slot in slots]


class TestSlotsIn:
    def test_fills_an_interval_exactly(self) -> None:
        interval = Interval(utc(2026, 6, 1, 13), utc(2026, 6, 1, 14))
        assert list(slots_in(interval, QUARTER)) == [
            Slot(utc(2026, 6, 1, 13, 0), utc(2026, 6, 1, 13, 15)),
            Slot(utc(2026, 6, 1, 13, 15), utc(2026, 6, 1, 13, 30)),
            Slot(utc(2026, 6, 1, 13, 30), utc(2026, 6, 1, 13, 45)),
            Slot(utc(2026, 6, 1, 13, 45), utc(2026, 6, 1, 14, 0)),
        ]

    def test_drops_a_remainder_shorter_than_a_slot(self) -> None:
        interval = Interval(utc(2026, 6, 1, 13), utc(2026, 6, 1, 14, 10))
        found = list(slots_in(interval, timedelta(minutes=20)))
        assert len(found) == 3
        assert found[-1].end == utc(2026, 6, 1, 14, 0)

    def test_an_interval_shorter_than_a_slot_has_none(self) -> None:
        interval = Interval(utc(2026, 6, 1, 13), utc(2026, 6, 1, 13, 10))
        assert list(slots_in(interval, QUARTER)) == []


class TestSlotsBetween:
    def test_a_day_of_slots(self) -> None:
        found = slots_between(weekdays("09:00-17:00"), QUARTER, utc(2026, 6, 1), utc(2026, 6, 2))
        assert len(found) == 32
        assert found[0] == Slot(utc(2026, 6, 1, 13, 0), utc(2026, 6, 1, 13, 15))
        assert found[-1] == Slot(utc(2026, 6, 1, 20, 45), utc(2026, 6, 1, 21, 0))

    def test_only_slots_that_start_inside_the_window(self) -> None:
        hours = weekdays("09:00-17:00")
        found = slots_between(hours, QUARTER, utc(2026, 6, 1, 13, 5), utc(2026, 6, 1, 14, 0))
        # The window starts mid-slot: slots stay on the 09:00 grid, the cut one is left out,
        # and the one that starts exactly at the window's end belongs to the next window.
        assert starts(found) == [
            utc(2026, 6, 1, 13, 15),
            utc(2026, 6, 1, 13, 30),
            utc(2026, 6, 1, 13, 45),
        ]

    def test_a_window_starting_on_a_slot_includes_it(self) -> None:
        hours = weekdays("09:00-17:00")
        found = slots_between(hours, QUARTER, utc(2026, 6, 1, 13, 15), utc(2026, 6, 1, 13, 16))
        assert starts(found) == [utc(2026, 6, 1, 13, 15)]

    def test_each_period_lays_its_own_slots(self) -> None:
        hours = weekdays("09:00-09:50", "09:50-10:40")
        found = slots_between(hours, timedelta(minutes=20), utc(2026, 6, 1), utc(2026, 6, 2))
        local = [slot.start.astimezone(NEW_YORK).strftime("%H:%M") for slot in found]
        assert local == ["09:00", "09:20", "09:50", "10:10"]

    def test_no_slots_on_a_closed_day_or_the_weekend(self) -> None:
        hours = weekdays("09:00-17:00", exceptions={MONDAY: ()})
        friday_to_tuesday = slots_between(hours, QUARTER, utc(2026, 5, 29, 22), utc(2026, 6, 2, 4))
        assert friday_to_tuesday == []

    def test_slots_follow_the_office_hours_of_each_day_in_order(self) -> None:
        hours = weekdays("09:00-10:00", exceptions={date(2026, 6, 2): (OpenPeriod(600, 630),)})
        found = slots_between(hours, QUARTER, utc(2026, 6, 1), utc(2026, 6, 4))
        assert found == sorted(found)
        assert [slot.start.astimezone(NEW_YORK).strftime("%d %H:%M") for slot in found] == [
            "01 09:00",
            "01 09:15",
            "01 09:30",
            "01 09:45",
            "02 10:00",
            "02 10:15",
            "03 09:00",
            "03 09:15",
            "03 09:30",
            "03 09:45",
        ]

    def test_the_repeated_hour_offers_its_slots_twice(self) -> None:
        every_day = (check_periods((OpenPeriod.parse("01:15-01:45"),)),) * 7
        hours = OfficeHours(NEW_YORK, every_day)
        found = slots_between(hours, QUARTER, utc(2026, 11, 1), utc(2026, 11, 2))
        assert starts(found) == [
            utc(2026, 11, 1, 5, 15),
            utc(2026, 11, 1, 5, 30),
            utc(2026, 11, 1, 6, 15),
            utc(2026, 11, 1, 6, 30),
        ]


class TestSlotAt:
    @pytest.mark.parametrize(
        "at",
        [
            utc(2026, 6, 1, 13, 15),
            utc(2026, 6, 1, 13, 22),
            utc(2026, 6, 1, 13, 30) - MICROSECOND,
        ],
    )
    def test_the_slot_containing_the_instant(self, at: datetime) -> None:
        assert slot_at(weekdays("09:00-17:00"), QUARTER, at) == Slot(
            utc(2026, 6, 1, 13, 15), utc(2026, 6, 1, 13, 30)
        )

    @pytest.mark.parametrize(
        "at",
        [
            utc(2026, 6, 1, 13, 0) - MICROSECOND,  # before opening
            utc(2026, 6, 1, 14, 0),  # in the 10-minute remainder of 09:00-10:10
            utc(2026, 6, 1, 14, 10) - MICROSECOND,
            utc(2026, 6, 6, 15, 0),  # Saturday
        ],
    )
    def test_none_outside_any_whole_slot(self, at: datetime) -> None:
        assert slot_at(weekdays("09:00-10:10"), timedelta(minutes=20), at) is None

    def test_agrees_with_slots_between(self) -> None:
        hours = weekdays("08:10-11:55", "13:00-17:30")
        length = timedelta(minutes=25)
        for slot in slots_between(hours, length, utc(2026, 6, 1), utc(2026, 6, 3)):
            for at in (slot.start, slot.start + length / 2, slot.end - MICROSECOND):
                assert slot_at(hours, length, at) == slot

    def test_tells_the_two_runs_of_the_repeated_hour_apart(self) -> None:
        every_day = (check_periods((OpenPeriod.parse("01:00-01:30"),)),) * 7
        hours = OfficeHours(NEW_YORK, every_day)
        first = slot_at(hours, QUARTER, utc(2026, 11, 1, 5, 20))
        second = slot_at(hours, QUARTER, utc(2026, 11, 1, 6, 20))
        assert first == Slot(utc(2026, 11, 1, 5, 15), utc(2026, 11, 1, 5, 30))
        assert second == Slot(utc(2026, 11, 1, 6, 15), utc(2026, 11, 1, 6, 30))
