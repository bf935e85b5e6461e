"""The customer's calling window combined with the service's office hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.scheduling.hours import OfficeHours, OpenPeriod
from ringback.scheduling.window import may_call, next_call_time

ALWAYS = OfficeHours(ZoneInfo("UTC"), tuple((OpenPeriod(0, 1440),) for _ in range(7)))
WEEKDAYS_NY = OfficeHours(
    ZoneInfo("America/New_York"),
    tuple((OpenPeriod(9 * 60, 17 * 60),) if d < 5 else () for d in range(7)),
)
WINDOW = OpenPeriod(8 * 60, 21 * 60)


def test_the_customer_local_time_decides() -> None:
    # 02:00 UTC is 21:00 in New York (closed window) but 11:00 in Tokyo (open).
    at = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    assert not may_call(
        service_hours=ALWAYS, window=WINDOW, customer_zone="America/New_York", at=at
    )
    assert may_call(service_hours=ALWAYS, window=WINDOW, customer_zone="Asia/Tokyo", at=at)
    assert may_call(service_hours=ALWAYS, window=WINDOW, customer_zone=None, at=at)


def test_office_hours_apply_too() -> None:
    saturday = datetime(2026, 12, 12, 16, 0, tzinfo=UTC)
    assert not may_call(
        service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone="Europe/London", at=saturday
    )


def test_next_call_time_is_the_first_instant_both_allow() -> None:
    friday_evening = datetime(2026, 12, 11, 23, 0, tzinfo=UTC)  # 18:00 in New York
    found = next_call_time(
        service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone="Asia/Tokyo", at=friday_evening
    )
    # New York's 09:00-17:00 is 23:00-07:00 in Tokyo: the windows never meet.
    assert found is None
    london = next_call_time(
        service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone="Europe/London", at=friday_evening
    )
    # Monday 09:00 in New York is 14:00 in London, inside both.
    assert london == datetime(2026, 12, 14, 14, 0, tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney", None]),
)
def test_next_call_time_is_allowed_and_nothing_earlier_is(at: datetime, zone: str | None) -> None:
    found = next_call_time(service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone=zone, at=at)
    if found is None:
        # No overlap at all, e.g. New York office hours and a customer in Sydney.
        hours = [at + timedelta(minutes=30 * n) for n in range(2 * 24 * 8)]
        assert not any(
            may_call(service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone=zone, at=h)
            for h in hours
        )
        return
    assert found >= at
    assert may_call(service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone=zone, at=found)
    step = (found - at) / 7
    for n in range(7):
        probe = at + step * n
        if probe < found:
            assert not may_call(
                service_hours=WEEKDAYS_NY, window=WINDOW, customer_zone=zone, at=probe
            )
    assert found - at < timedelta(days=60)  # the search horizon
