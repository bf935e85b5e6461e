"""The retry schedule (pure) and which change of a callback is which event (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.webhooks.conftest import DAY_OF_ATTEMPTS

from ringback.callbacks.states import TRANSITIONS, CallbackEvent
from ringback.webhooks.events import EventType, event_type
from ringback.webhooks.retry import LONGEST_DELAY, delay_after, next_attempt

DAY = timedelta(hours=24)
T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def test_the_delays_grow_threefold_from_ten_seconds_up_to_four_hours() -> None:
    assert [delay_after(n).total_seconds() for n in range(1, 10)] == [
        10,
        30,
        90,
        270,
        810,
        2430,
        7290,
        14400,
        14400,
    ]
    with pytest.raises(ValueError, match="at least one failure"):
        delay_after(0)


def test_a_day_of_failures_is_fourteen_attempts_the_last_at_the_horizon() -> None:
    attempts = [T0]
    while (
        upcoming := next_attempt(
            failures=len(attempts), first_attempt_at=T0, failed_at=attempts[-1], horizon=DAY
        )
    ) is not None:
        attempts.append(upcoming)
    offsets = [(a - T0).total_seconds() for a in attempts]
    assert offsets == DAY_OF_ATTEMPTS


@given(
    failures=st.integers(min_value=1, max_value=10_000),
    elapsed=st.integers(min_value=0, max_value=3 * 86400),
    horizon_hours=st.integers(min_value=1, max_value=72),
)
def test_a_retry_never_comes_before_a_failure_nor_after_the_horizon(
    failures: int, elapsed: int, horizon_hours: int
) -> None:
    horizon = timedelta(hours=horizon_hours)
    failed_at = T0 + timedelta(seconds=elapsed)
    upcoming = next_attempt(
        failures=failures, first_attempt_at=T0, failed_at=failed_at, horizon=horizon
    )
    if failed_at >= T0 + horizon:
        assert upcoming is None
    else:
        assert upcoming is not None
        assert failed_at < upcoming <= T0 + horizon
        assert upcoming - failed_at <= LONGEST_DELAY


def test_every_change_of_state_is_one_event_type_and_every_type_happens() -> None:
    seen = {event_type(CallbackEvent.CREATE, None, "queued")}
    for (source, event), target in TRANSITIONS.items():
        kind = event_type(event, source, target)
        if event in (CallbackEvent.REPRIORITISE, CallbackEvent.TRANSFER, CallbackEvent.NOTE):
            assert kind is None  # the state stays: nothing for an integrator to act on
            continue
        assert kind is not None
        seen.add(kind)
    assert seen == set(EventType)
    assert event_type("reschedule", "scheduled", "scheduled") is EventType.RESCHEDULED
    assert event_type("dial", "accepted", "dialing") is EventType.DIALLED
    assert event_type("no_contact", "dialing", "accepted") is EventType.ACCEPTED
    assert event_type("retry", "accepted", "scheduled") is EventType.SCHEDULED
    assert event_type("reject", "offered", "queued") is EventType.QUEUED
    assert event_type("called_in", "dialing", "dialing") is EventType.CALLED_IN
    assert event_type("answered_elsewhere", "queued", "completed") is EventType.COMPLETED
