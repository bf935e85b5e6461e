"""Report buckets in a service's zone: local boundaries, DST days of 23 and 25 hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.reports.buckets import BucketSize, Locator, buckets, count_buckets

PARIS = ZoneInfo("Europe/Paris")
PROPERTY = settings(max_examples=150, deadline=None, database=None)
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]


def test_the_spring_forward_day_in_paris_has_23_hours() -> None:
    day = buckets(
        datetime(2026, 3, 29, tzinfo=PARIS),
        datetime(2026, 3, 30, tzinfo=PARIS),
        BucketSize.HOUR,
        PARIS,
    )
    assert len(day) == 23
    labels = [b.label.strftime("%H:%M%z") for b in day]
    assert labels[:3] == ["00:00+0100", "01:00+0100", "03:00+0200"]  # 02:00 never happens
    (whole,) = buckets(
        datetime(2026, 3, 29, tzinfo=PARIS),
        datetime(2026, 3, 30, tzinfo=PARIS),
        BucketSize.DAY,
        PARIS,
    )
    assert whole.end - whole.start == timedelta(hours=23)


def test_the_fall_back_day_in_paris_has_25_hours_and_two_2_oclocks() -> None:
    day = buckets(
        datetime(2026, 10, 25, tzinfo=PARIS),
        datetime(2026, 10, 26, tzinfo=PARIS),
        BucketSize.HOUR,
        PARIS,
    )
    assert len(day) == 25
    assert [b.label.isoformat() for b in day[2:4]] == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
    ]
    assert day[2].start == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert day[3].start == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    quarters = buckets(day[0].start, day[-1].end, BucketSize.QUARTER_HOUR, PARIS)
    assert len(quarters) == 100


def test_weeks_begin_on_monday_and_the_range_cuts_the_ends() -> None:
    # Wednesday 2026-03-25 12:00 to Wednesday 2026-04-08 (Paris changes on the 29th).
    found = buckets(
        datetime(2026, 3, 25, 12, tzinfo=PARIS),
        datetime(2026, 4, 8, tzinfo=PARIS),
        BucketSize.WEEK,
        PARIS,
    )
    assert [b.label.isoformat() for b in found] == [
        "2026-03-25T12:00:00+01:00",  # cut to the range
        "2026-03-30T00:00:00+02:00",
        "2026-04-06T00:00:00+02:00",
    ]
    assert found[0].end == datetime(2026, 3, 30, tzinfo=PARIS)
    assert found[-1].end == datetime(2026, 4, 8, tzinfo=PARIS)


def test_half_hour_zones_bucket_hours_on_their_own_clock() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    found = buckets(
        datetime(2026, 6, 1, 10, tzinfo=UTC),
        datetime(2026, 6, 1, 12, tzinfo=UTC),
        BucketSize.HOUR,
        kolkata,
    )
    assert [b.start.strftime("%H:%M") for b in found] == ["10:00", "10:30", "11:30"]
    assert [b.label.strftime("%H:%M") for b in found] == ["15:30", "16:00", "17:00"]


def test_the_locator_finds_the_bucket_of_an_instant() -> None:
    spans = buckets(
        datetime(2026, 10, 25, tzinfo=PARIS),
        datetime(2026, 10, 26, tzinfo=PARIS),
        BucketSize.HOUR,
        PARIS,
    )
    locate = Locator(spans)
    assert locate.index(datetime(2026, 10, 25, 1, 30, tzinfo=UTC).timestamp()) == 3  # 2nd 02:00
    assert locate.index(datetime(2026, 10, 24, 21, 59, tzinfo=UTC).timestamp()) is None
    assert locate.index(spans[-1].end.timestamp()) is None
    assert locate.index(spans[1].start.timestamp()) == 1


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@PROPERTY
@given(
    start=instants,
    hours=st.integers(min_value=1, max_value=24 * 40),
    size=st.sampled_from(list(BucketSize)),
    zone_name=st.sampled_from(ZONES),
)
def test_buckets_tile_the_range_on_local_boundaries(
    start: datetime, hours: int, size: BucketSize, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    end = start + timedelta(hours=hours)
    found = buckets(start, end, size, zone)
    assert len(found) <= count_buckets(start, end, size)
    assert found[0].start == start and found[-1].end == end
    for left, right in pairwise(found):
        assert left.end == right.start  # no gap, no overlap
    for bucket in found[1:]:
        local = bucket.start.astimezone(zone)
        assert bucket.label == local
        if size is BucketSize.QUARTER_HOUR:
            assert local.minute % 15 == 0 and local.second == 0
        elif size is BucketSize.HOUR:
            # Lord Howe's half-hour change puts one boundary on the half hour.
            assert local.minute == 0 or zone_name == "Australia/Lord_Howe"
        else:
            assert (local.hour, local.minute) == (0, 0)
            if size is BucketSize.WEEK:
                assert local.weekday() == 0
    for bucket in found[1:-1]:
        length = bucket.end - bucket.start
        if size is BucketSize.DAY:
            assert timedelta(hours=23) <= length <= timedelta(hours=25)
        elif size is BucketSize.WEEK:
            assert timedelta(days=7, hours=-1) <= length <= timedelta(days=7, hours=1)


@PROPERTY
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
def test_a_local_day_has_as_many_hour_buckets_as_it_has_hours(day: date) -> None:
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    hours = buckets(start, end, BucketSize.HOUR, PARIS)
    length = end.astimezone(UTC) - start.astimezone(UTC)
    assert len(hours) == length / timedelta(hours=1)
    assert len(hours) in (23, 24, 25)
