"""The best time to call: the hour in the customer's window with the best expected answer rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.scheduling.best_time import AnswerHistory, AnswerModel, Tally, best_time
from ringback.scheduling.hours import OfficeHours, OpenPeriod
from ringback.scheduling.window import may_call

PARIS = ZoneInfo("Europe/Paris")
ALWAYS_PARIS = OfficeHours(PARIS, tuple((OpenPeriod(0, 1440),) for _ in range(7)))
WEEKDAYS_PARIS = OfficeHours(
    PARIS, tuple((OpenPeriod(9 * 60, 19 * 60),) if d < 5 else () for d in range(7))
)
ALL_DAY = OpenPeriod(0, 1440)
WINDOW = OpenPeriod(8 * 60, 21 * 60)


def history(rates: dict[int, tuple[int, int]], days: range = range(7)) -> AnswerHistory:
    """The same (attempts, answered) per local hour on each of ``days``."""
    return AnswerHistory(
        {(day, hour): Tally(*counts) for day in days for hour, counts in rates.items()}
    )


# Mondays: 20 % at 09:00-16:59, 60 % at 18:00.
EVENINGS = history({hour: (100, 20) for hour in range(9, 17)} | {18: (100, 60)})


def test_the_due_time_moves_to_the_hour_that_answers_best() -> None:
    planned = datetime(2026, 6, 1, 7, 10, tzinfo=UTC)  # Monday 09:10 in Paris
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=10),
        service_hours=WEEKDAYS_PARIS,
        window=WINDOW,
        customer_zone="Europe/Paris",
        model=AnswerModel(PARIS, EVENINGS),
    )
    assert found.at == datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 18:00 in Paris
    assert found.moved
    assert round(found.rate, 2) == 0.57 and round(found.planned_rate, 2) == 0.2


def test_nothing_better_in_the_window_keeps_the_planned_time() -> None:
    planned = datetime(2026, 6, 1, 7, 10, tzinfo=UTC)
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=4),  # until 13:10: only 20 % hours
        service_hours=WEEKDAYS_PARIS,
        window=WINDOW,
        customer_zone="Europe/Paris",
        model=AnswerModel(PARIS, EVENINGS),
    )
    assert found.at == planned and not found.moved


def test_office_hours_and_the_customers_window_bound_the_move() -> None:
    planned = datetime(2026, 6, 1, 7, 10, tzinfo=UTC)
    # 18:00 in Paris is 17:00 in London, but past 16:00 the London customer's window is shut.
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=10),
        service_hours=WEEKDAYS_PARIS,
        window=OpenPeriod(8 * 60, 16 * 60),
        customer_zone="Europe/London",
        model=AnswerModel(PARIS, EVENINGS),
    )
    assert found.at == planned
    # The service closes at 19:00 on weekdays; Saturday's 18:00 is no candidate.
    friday = datetime(2026, 6, 5, 17, 30, tzinfo=UTC)  # 19:30, closed: the planned time stays
    found = best_time(
        planned=friday,
        latest=friday + timedelta(days=1),
        service_hours=WEEKDAYS_PARIS,
        window=ALL_DAY,
        customer_zone=None,
        model=AnswerModel(PARIS, EVENINGS),
    )
    assert found.at == friday


def test_ties_go_to_the_earliest_time() -> None:
    flat = history({hour: (100, 30) for hour in range(24)})
    planned = datetime(2026, 6, 1, 7, 10, tzinfo=UTC)
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=8),
        service_hours=ALWAYS_PARIS,
        window=ALL_DAY,
        customer_zone=None,
        model=AnswerModel(PARIS, flat),
    )
    assert found.at == planned
    two_peaks = history({9: (100, 20), 11: (100, 50), 15: (100, 50)})
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=8),
        service_hours=ALWAYS_PARIS,
        window=ALL_DAY,
        customer_zone=None,
        model=AnswerModel(PARIS, two_peaks),
    )
    assert found.at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 11:00, not 15:00


def test_a_numbers_few_calls_are_shrunk_toward_the_service() -> None:
    planned = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 10:00 in Paris
    arguments = {
        "planned": planned,
        "latest": planned + timedelta(hours=10),
        "service_hours": WEEKDAYS_PARIS,
        "window": WINDOW,
        "customer_zone": "Europe/Paris",
    }
    twice = AnswerHistory({(0, 10): Tally(2, 2)})
    found = best_time(**arguments, model=AnswerModel(PARIS, EVENINGS, twice))  # type: ignore[arg-type]
    assert found.at == datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # two answers say little
    often = AnswerHistory({(0, 10): Tally(20, 20)})
    found = best_time(**arguments, model=AnswerModel(PARIS, EVENINGS, often))  # type: ignore[arg-type]
    assert found.at == planned  # twenty do: this customer answers at 10:00


def test_the_hours_are_the_services_local_hours_across_the_spring_change() -> None:
    # Sunday 29 March 2026 in Paris: 02:00 becomes 03:00. The best hour is 03:00 local,
    # which begins at 01:00 UTC that night.
    night = history({0: (100, 10), 1: (100, 10), 3: (100, 70), 4: (100, 10)}, range(6, 7))
    planned = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 local
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=4),
        service_hours=ALWAYS_PARIS,
        window=ALL_DAY,
        customer_zone=None,
        model=AnswerModel(PARIS, night),
    )
    assert found.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert found.at.astimezone(PARIS).hour == 3


def test_the_repeated_hour_of_the_autumn_change_is_taken_the_first_time() -> None:
    # Sunday 25 October 2026 in Paris: 02:00-03:00 happens twice (00:00 and 01:00 UTC).
    night = history({1: (100, 10), 2: (100, 70), 3: (100, 10)}, range(6, 7))
    planned = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 local, summer time
    found = best_time(
        planned=planned,
        latest=planned + timedelta(hours=4),
        service_hours=ALWAYS_PARIS,
        window=ALL_DAY,
        customer_zone=None,
        model=AnswerModel(PARIS, night),
    )
    assert found.at == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)


ZONES = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
tallies = st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: Tally(t[0] + t[1], t[1]))
cells = st.dictionaries(
    st.tuples(st.integers(0, 6), st.integers(0, 23)), tallies, min_size=0, max_size=60
)


@settings(max_examples=120, deadline=None)
@given(
    planned=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    window_minutes=st.integers(15, 36 * 60),
    zone=st.sampled_from(ZONES),
    customer_zone=st.sampled_from([None, *ZONES]),
    weekdays_only=st.booleans(),
    service=cells,
    number=cells,
)
def test_the_choice_is_allowed_never_worse_and_the_best_there_is(
    planned: datetime,
    window_minutes: int,
    zone: str,
    customer_zone: str | None,
    weekdays_only: bool,
    service: dict[tuple[int, int], Tally],
    number: dict[tuple[int, int], Tally],
) -> None:
    tz = ZoneInfo(zone)
    open_days = tuple(
        (OpenPeriod(8 * 60 + 30, 19 * 60),) if d < 5 or not weekdays_only else () for d in range(7)
    )
    hours = OfficeHours(tz, open_days)
    model = AnswerModel(tz, AnswerHistory(service), AnswerHistory(number))
    latest = planned + timedelta(minutes=window_minutes)
    found = best_time(
        planned=planned,
        latest=latest,
        service_hours=hours,
        window=WINDOW,
        customer_zone=customer_zone,
        model=model,
    )
    assert planned <= found.at <= latest
    assert found.rate >= found.planned_rate
    assert found.rate == model.rate(found.at)  # the rate of the chosen instant's local hour

    def allowed(at: datetime) -> bool:
        return may_call(service_hours=hours, window=WINDOW, customer_zone=customer_zone, at=at)

    assert found.at == planned or allowed(found.at)
    # Checked minute by minute, by the customer's rules and the zone's own clock.
    at = planned
    while at <= latest:
        if allowed(at):
            assert model.rate(at) <= found.rate
            if model.rate(at) == found.rate:
                assert found.at <= at  # ties: nothing earlier was passed over
        at += timedelta(minutes=1)
