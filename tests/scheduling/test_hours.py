"""Office hours: open periods, the open/closed rule, and its translation to UTC.

Dates used below: 2026-06-01 is a Monday. The DST days of 2026 are
America/New_York 03-08 (02:00 -> 03:00) and 11-01 (02:00 -> 01:00),
Europe/Paris 03-29 (02:00 -> 03:00) and 10-25 (03:00 -> 02:00),
Europe/London 03-29 (01:00 -> 02:00) and 10-25 (02:00 -> 01:00),
Australia/Lord_Howe 04-05 (02:00 -> 01:30) and 10-04 (02:00 -> 02:30),
America/Santiago 04-04 (24:00 -> 23:00) and 09-06 (00:00 -> 01:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringback.scheduling.hours import (
    Interval,
    OfficeHours,
    OpenPeriod,
    check_periods,
    local_span_to_utc,
)

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SANTIAGO = ZoneInfo("America/Santiago")

MONDAY = date(2026, 6, 1)
US_SPRING = date(2026, 3, 8)
US_FALL = date(2026, 11, 1)
MICROSECOND = timedelta(microseconds=1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def periods(*texts: str) -> tuple[OpenPeriod, ...]:
    return check_periods(tuple(OpenPeriod.parse(text) for text in texts))


def every_day(zone: ZoneInfo, *texts: str) -> OfficeHours:
    return OfficeHours(zone, (periods(*texts),) * 7)


def weekdays_nine_to_five(
    zone: ZoneInfo = NEW_YORK, exceptions: dict[date, tuple[OpenPeriod, ...]] | None = None
) -> OfficeHours:
    weekday = periods("09:00-17:00")
    return OfficeHours(zone, (weekday,) * 5 + ((), ()), exceptions or {})


def span(day: date, text: str, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    return [(i.start, i.end) for i in local_span_to_utc(day, OpenPeriod.parse(text), zone)]


def total(intervals: list[tuple[datetime, datetime]]) -> timedelta:
    return sum((end - start for start, end in intervals), timedelta())


class TestOpenPeriod:
    @pytest.mark.parametrize(
        ("text", "start", "end"),
        [
            ("09:00-17:30", 540, 1050),
            ("00:00-24:00", 0, 1440),
            ("23:59-24:00", 1439, 1440),
            (" 08:00-12:00 ", 480, 720),
        ],
    )
    def test_parses_hours_and_minutes(self, text: str, start: int, end: int) -> None:
        assert OpenPeriod.parse(text) == OpenPeriod(start, end)

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("9:00-17:00", "not a period"),
            ("09:00-17", "not a period"),
            ("09:00 - 17:00", "not a period"),
            ("", "not a period"),
            ("09:60-10:00", "does not exist"),
            ("09:00-10:75", "does not exist"),
            ("24:00-24:00", "does not exist"),
            ("09:00-24:30", "does not exist"),
            ("25:00-26:00", "does not exist"),
            ("12:00-09:00", "cross midnight"),
            ("22:00-02:00", "cross midnight"),
            ("09:00-09:00", "ends before it starts"),
        ],
    )
    def test_refuses_what_is_not_a_period_of_one_day(self, text: str, reason: str) -> None:
        with pytest.raises(ValueError, match=reason):
            OpenPeriod.parse(text)

    @pytest.mark.parametrize(("start", "end"), [(600, 600), (601, 600), (-1, 60), (0, 1441)])
    def test_refuses_periods_outside_one_day(self, start: int, end: int) -> None:
        with pytest.raises(ValueError, match="within one day"):
            OpenPeriod(start, end)

    @pytest.mark.parametrize("text", ["00:00-24:00", "09:05-17:30", "23:59-24:00", "00:00-00:01"])
    def test_prints_as_it_is_written(self, text: str) -> None:
        assert str(OpenPeriod.parse(text)) == text

    def test_start_is_open_and_end_is_not(self) -> None:
        period = OpenPeriod.parse("09:00-17:00")
        assert period.contains(540)
        assert period.contains(1019.99)
        assert not period.contains(539.99)
        assert not period.contains(1020)


class TestCheckPeriods:
    def test_sorts_periods(self) -> None:
        assert periods("13:00-17:00", "09:00-12:00") == (
            OpenPeriod(540, 720),
            OpenPeriod(780, 1020),
        )

    def test_periods_may_touch(self) -> None:
        assert periods("09:00-12:00", "12:00-13:00") == (OpenPeriod(540, 720), OpenPeriod(720, 780))

    @pytest.mark.parametrize(
        "texts",
        [
            ("09:00-12:00", "11:00-13:00"),
            ("09:00-12:00", "09:00-12:00"),
            ("08:00-18:00", "12:00-13:00"),
            ("11:00-13:00", "09:00-12:00"),
        ],
    )
    def test_refuses_overlaps(self, texts: tuple[str, ...]) -> None:
        with pytest.raises(ValueError, match="overlap"):
            periods(*texts)


class TestOfficeHours:
    def test_needs_all_seven_days(self) -> None:
        with pytest.raises(ValueError, match="seven days"):
            OfficeHours(NEW_YORK, ((),) * 6)

    def test_an_exception_replaces_its_weekday(self) -> None:
        christmas, eve = date(2026, 12, 25), date(2026, 12, 24)
        hours = weekdays_nine_to_five(exceptions={christmas: (), eve: periods("09:00-12:00")})
        assert hours.periods_on(christmas) == ()
        assert hours.periods_on(eve) == periods("09:00-12:00")
        assert hours.periods_on(date(2026, 12, 23)) == periods("09:00-17:00")
        assert hours.periods_on(date(2026, 12, 26)) == ()  # a Saturday

    @pytest.mark.parametrize(
        ("at", "is_open"),
        [
            (utc(2026, 6, 1, 13, 0), True),  # 09:00 in New York
            (utc(2026, 6, 1, 13, 0) - MICROSECOND, False),
            (utc(2026, 6, 1, 21, 0) - MICROSECOND, True),  # just before 17:00
            (utc(2026, 6, 1, 21, 0), False),
            (utc(2026, 6, 6, 15, 0), False),  # Saturday
            (utc(2026, 1, 5, 14, 0), True),  # 09:00 EST in winter
            (utc(2026, 1, 5, 13, 30), False),  # 08:30 EST, though 09:30 at the summer offset
        ],
    )
    def test_open_by_the_wall_clock_in_the_service_zone(self, at: datetime, is_open: bool) -> None:
        assert weekdays_nine_to_five().is_open(at) is is_open

    def test_the_offset_of_the_asked_instant_does_not_matter(self) -> None:
        hours = weekdays_nine_to_five()
        opening = utc(2026, 6, 1, 13, 0)
        assert hours.is_open(opening.astimezone(ZoneInfo("Asia/Tokyo")))
        assert not hours.is_open((opening - MICROSECOND).astimezone(ZoneInfo("Asia/Tokyo")))

    def test_a_closed_exception_closes_the_whole_day(self) -> None:
        christmas = date(2026, 12, 25)
        hours = weekdays_nine_to_five(exceptions={christmas: ()})
        assert not hours.is_open(utc(2026, 12, 25, 16, 0))
        assert hours.is_open(utc(2026, 12, 24, 16, 0))

    def test_a_full_day_period_is_open_across_midnight(self) -> None:
        hours = every_day(PARIS, "00:00-24:00")
        midnight = datetime(2026, 6, 2, tzinfo=PARIS)
        assert hours.is_open(midnight)
        assert hours.is_open(midnight - MICROSECOND)

    def test_intervals_include_whole_intervals_that_overlap_the_window(self) -> None:
        hours = weekdays_nine_to_five()
        found = list(hours.intervals(utc(2026, 6, 1, 20, 0), utc(2026, 6, 2, 14, 0)))
        assert found == [
            Interval(utc(2026, 6, 1, 13, 0), utc(2026, 6, 1, 21, 0)),
            Interval(utc(2026, 6, 2, 13, 0), utc(2026, 6, 2, 21, 0)),
        ]

    def test_intervals_of_a_day_come_in_time_order_on_a_fall_back_day(self) -> None:
        # Two periods that share the repeated hour: their UTC pieces interleave.
        hours = every_day(NEW_YORK, "01:00-01:30", "01:30-02:00")
        starts = [interval.start for interval in hours.intervals_on(US_FALL)]
        assert starts == sorted(starts)
        assert starts == [
            utc(2026, 11, 1, 5, 0),
            utc(2026, 11, 1, 5, 30),
            utc(2026, 11, 1, 6, 0),
            utc(2026, 11, 1, 6, 30),
        ]


class TestLocalSpanToUtc:
    def test_an_ordinary_day(self) -> None:
        assert span(MONDAY, "09:00-17:00", NEW_YORK) == [
            (utc(2026, 6, 1, 13, 0), utc(2026, 6, 1, 21, 0))
        ]

    @pytest.mark.parametrize(
        ("zone", "day", "length"),
        [
            (NEW_YORK, US_SPRING, timedelta(hours=23)),
            (NEW_YORK, US_FALL, timedelta(hours=25)),
            (PARIS, date(2026, 3, 29), timedelta(hours=23)),
            (PARIS, date(2026, 10, 25), timedelta(hours=25)),
            (LONDON, date(2026, 3, 29), timedelta(hours=23)),
            (LONDON, date(2026, 10, 25), timedelta(hours=25)),
            (LORD_HOWE, date(2026, 4, 5), timedelta(hours=24, minutes=30)),
            (LORD_HOWE, date(2026, 10, 4), timedelta(hours=23, minutes=30)),
            (SANTIAGO, date(2026, 4, 4), timedelta(hours=25)),
            (SANTIAGO, date(2026, 9, 6), timedelta(hours=23)),
            (NEW_YORK, MONDAY, timedelta(hours=24)),
        ],
    )
    def test_a_full_day_lasts_as_long_as_the_local_date(
        self, zone: ZoneInfo, day: date, length: timedelta
    ) -> None:
        found = span(day, "00:00-24:00", zone)
        assert len(found) == 1
        assert total(found) == length
        start, end = found[0]
        assert start.astimezone(zone).date() == day
        assert (start - MICROSECOND).astimezone(zone).date() < day
        assert end.astimezone(zone).date() > day
        assert (end - MICROSECOND).astimezone(zone).date() == day

    def test_a_period_inside_the_spring_gap_is_never_open(self) -> None:
        assert span(US_SPRING, "02:00-03:00", NEW_YORK) == []
        assert span(US_SPRING, "02:15-02:45", NEW_YORK) == []

    def test_a_period_starting_in_the_spring_gap_opens_when_the_clock_jumps(self) -> None:
        # 02:30 does not exist; the first open instant is 03:00 EDT.
        assert span(US_SPRING, "02:30-04:00", NEW_YORK) == [
            (utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0))
        ]

    def test_a_period_ending_in_the_spring_gap_closes_when_the_clock_jumps(self) -> None:
        assert span(US_SPRING, "01:00-02:30", NEW_YORK) == [
            (utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 7, 0))
        ]

    def test_the_repeated_hour_is_open_twice(self) -> None:
        assert span(US_FALL, "01:15-01:45", NEW_YORK) == [
            (utc(2026, 11, 1, 5, 15), utc(2026, 11, 1, 5, 45)),
            (utc(2026, 11, 1, 6, 15), utc(2026, 11, 1, 6, 45)),
        ]

    def test_a_period_over_the_repeated_hour_runs_on_through_it(self) -> None:
        assert span(US_FALL, "01:00-02:00", NEW_YORK) == [
            (utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 7, 0))
        ]
        assert span(US_FALL, "00:30-03:00", NEW_YORK) == [
            (utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 8, 0))
        ]

    def test_lord_howe_moves_by_half_an_hour(self) -> None:
        # Fall back 02:00 +11 -> 01:30 +10:30: 01:30-02:00 happens twice.
        assert span(date(2026, 4, 5), "01:00-02:00", LORD_HOWE) == [
            (utc(2026, 4, 4, 14, 0), utc(2026, 4, 4, 15, 30))
        ]
        assert span(date(2026, 4, 5), "01:40-01:50", LORD_HOWE) == [
            (utc(2026, 4, 4, 14, 40), utc(2026, 4, 4, 14, 50)),
            (utc(2026, 4, 4, 15, 10), utc(2026, 4, 4, 15, 20)),
        ]
        # Spring forward 02:00 +10:30 -> 02:30 +11: 02:00-02:30 does not exist.
        assert span(date(2026, 10, 4), "02:00-03:00", LORD_HOWE) == [
            (utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16, 0))
        ]
        assert span(date(2026, 10, 4), "02:10-02:20", LORD_HOWE) == []

    def test_santiago_changes_at_midnight(self) -> None:
        # Spring: Saturday 24:00 -04 becomes Sunday 01:00 -03; Sunday 00:00-01:00 does not exist.
        assert span(date(2026, 9, 6), "00:00-02:00", SANTIAGO) == [
            (utc(2026, 9, 6, 4, 0), utc(2026, 9, 6, 5, 0))
        ]
        assert span(date(2026, 9, 5), "22:00-24:00", SANTIAGO) == [
            (utc(2026, 9, 6, 2, 0), utc(2026, 9, 6, 4, 0))
        ]
        # Fall: Saturday 24:00 -03 becomes Saturday 23:00 -04; 23:00-24:00 happens twice.
        assert span(date(2026, 4, 4), "23:00-24:00", SANTIAGO) == [
            (utc(2026, 4, 5, 2, 0), utc(2026, 4, 5, 4, 0))
        ]
        assert span(date(2026, 4, 4), "23:30-24:00", SANTIAGO) == [
            (utc(2026, 4, 5, 2, 30), utc(2026, 4, 5, 3, 0)),
            (utc(2026, 4, 5, 3, 30), utc(2026, 4, 5, 4, 0)),
        ]
        assert span(date(2026, 4, 5), "00:00-01:00", SANTIAGO) == [
            (utc(2026, 4, 5, 4, 0), utc(2026, 4, 5, 5, 0))
        ]

    @pytest.mark.parametrize(
        ("zone", "day", "text"),
        [
            (NEW_YORK, US_FALL, "01:15-01:45"),
            (NEW_YORK, US_SPRING, "01:30-03:30"),
            (PARIS, date(2026, 10, 25), "02:00-03:00"),
            (LORD_HOWE, date(2026, 4, 5), "01:00-02:00"),
            (SANTIAGO, date(2026, 4, 4), "23:00-24:00"),
            (SANTIAGO, date(2026, 9, 6), "00:00-02:00"),
        ],
    )
    def test_agrees_with_is_open_minute_by_minute(
        self, zone: ZoneInfo, day: date, text: str
    ) -> None:
        hours = every_day(zone, text)
        found = local_span_to_utc(day, OpenPeriod.parse(text), zone)
        at = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        while at < datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1):
            on_day = at.astimezone(zone).date() == day
            inside = any(at in interval for interval in found)
            assert inside is (on_day and hours.is_open(at)), at
            at += timedelta(minutes=1)


class TestNextOpen:
    def test_while_open_it_is_the_asked_instant(self) -> None:
        at = utc(2026, 6, 1, 15, 17, 3)
        assert weekdays_nine_to_five().next_open(at) == at

    def test_before_opening_it_is_the_opening(self) -> None:
        assert weekdays_nine_to_five().next_open(utc(2026, 6, 1, 10, 0)) == utc(2026, 6, 1, 13, 0)

    def test_after_closing_on_friday_it_is_monday_morning(self) -> None:
        friday_evening = utc(2026, 6, 5, 21, 0)
        assert weekdays_nine_to_five().next_open(friday_evening) == utc(2026, 6, 8, 13, 0)

    def test_skips_a_closed_exception(self) -> None:
        hours = weekdays_nine_to_five(exceptions={date(2026, 12, 25): ()})
        assert hours.next_open(utc(2026, 12, 24, 22, 0)) == utc(2026, 12, 28, 14, 0)

    def test_an_exception_may_open_a_weekend_day(self) -> None:
        saturday = date(2026, 6, 6)
        hours = weekdays_nine_to_five(exceptions={saturday: periods("10:00-12:00")})
        assert hours.next_open(utc(2026, 6, 5, 21, 0)) == utc(2026, 6, 6, 14, 0)

    def test_an_opening_in_the_spring_gap_is_when_the_clock_jumps(self) -> None:
        hours = every_day(NEW_YORK, "02:30-05:00")
        assert hours.next_open(utc(2026, 3, 8, 5, 0)) == utc(2026, 3, 8, 7, 0)

    def test_inside_the_second_repeated_hour_it_is_the_asked_instant(self) -> None:
        # 05:40Z is 01:40 EDT, in the second period; the first period's second run starts later.
        hours = every_day(NEW_YORK, "01:00-01:30", "01:30-02:00")
        at = utc(2026, 11, 1, 5, 40)
        assert hours.is_open(at)
        assert hours.next_open(at) == at

    def test_never_open_gives_none(self) -> None:
        assert OfficeHours(NEW_YORK, ((),) * 7).next_open(utc(2026, 6, 1)) is None

    def test_looks_no_further_than_the_horizon(self) -> None:
        reopening = date(2026, 9, 1)
        hours = OfficeHours(NEW_YORK, ((),) * 7, {reopening: periods("09:00-17:00")})
        assert hours.next_open(utc(2026, 6, 1), horizon_days=30) is None
        assert hours.next_open(utc(2026, 6, 1), horizon_days=120) == utc(2026, 9, 1, 13, 0)
