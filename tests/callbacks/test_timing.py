"""When a callback becomes due: immediate, delayed and scheduled rules, and their refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ringback.callbacks.states import CallbackState, CallbackType
from ringback.callbacks.timing import plan_at, plan_callback
from ringback.config.schema import ExceptionConfig, OfficeHoursConfig, ServiceConfig
from ringback.errors import RingbackError
from ringback.scheduling.slots import Slot

IMMEDIATE, DELAYED, SCHEDULED = CallbackType.IMMEDIATE, CallbackType.DELAYED, CallbackType.SCHEDULED

# Monday 2026-06-01, 10:00 in New York (-04:00): the support line is open.
NOW = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
# Friday 2026-06-05, 17:00 in New York: closed until Saturday 10:00.
FRIDAY_CLOSING = datetime(2026, 6, 5, 21, 0, tzinfo=UTC)


def support(**overrides: Any) -> ServiceConfig:
    weekday = ["09:00-17:00"]
    settings: dict[str, Any] = {
        "name": "support",
        "queue": "support",
        "time_zone": "America/New_York",
        "office_hours": OfficeHoursConfig(
            monday=weekday,
            tuesday=weekday,
            wednesday=weekday,
            thursday=weekday,
            friday=["09:00-17:00"],
            saturday=["10:00-12:10"],
            exceptions=[ExceptionConfig(date=date(2026, 6, 3), name="Staff day", closed=True)],
        ),
        "slot_minutes": 15,
        "min_lead_minutes": 10,
        "delay_minutes": 30,
        "booking_horizon_days": 14,
    }
    settings.update(overrides)
    return ServiceConfig(**settings)


def refusal(excinfo: pytest.ExceptionInfo[RingbackError]) -> tuple[str, str | None, int]:
    return excinfo.value.code, excinfo.value.field, excinfo.value.status


class TestOfferedTypes:
    @pytest.mark.parametrize("callback_type", [IMMEDIATE, DELAYED, SCHEDULED])
    def test_a_type_the_service_does_not_offer_is_refused(
        self, callback_type: CallbackType
    ) -> None:
        others = [other for other in CallbackType if other is not callback_type]
        service = support(types=others)
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(service, callback_type, NOW + timedelta(hours=1), NOW)
        assert refusal(excinfo) == ("callback-type-not-offered", "type", 422)
        assert str(callback_type) in excinfo.value.detail


class TestImmediate:
    def test_queued_at_once_while_open(self) -> None:
        plan = plan_callback(support(), IMMEDIATE, None, NOW)
        assert plan.state is CallbackState.QUEUED
        assert plan.desired_time == NOW
        assert plan.due_at is None
        assert plan.slot is None

    def test_queued_at_the_first_instant_of_the_day(self) -> None:
        opening = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
        assert plan_callback(support(), IMMEDIATE, None, opening).state is CallbackState.QUEUED

    def test_while_closed_it_waits_for_the_opening(self) -> None:
        plan = plan_callback(support(), IMMEDIATE, None, FRIDAY_CLOSING)
        assert plan.state is CallbackState.SCHEDULED
        assert plan.desired_time == plan.due_at == datetime(2026, 6, 6, 14, 0, tzinfo=UTC)
        assert plan.slot is None

    def test_a_closed_day_is_skipped(self) -> None:
        tuesday_evening = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)
        plan = plan_callback(support(), IMMEDIATE, None, tuesday_evening)
        assert plan.due_at == datetime(2026, 6, 4, 13, 0, tzinfo=UTC)

    def test_a_desired_time_is_refused(self) -> None:
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), IMMEDIATE, NOW + timedelta(hours=1), NOW)
        assert refusal(excinfo) == ("unexpected-desired-time", "desired_time", 422)

    def test_a_service_that_never_opens_refuses_with_a_conflict(self) -> None:
        never = support(office_hours=OfficeHoursConfig())
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(never, IMMEDIATE, None, NOW)
        assert refusal(excinfo) == ("service-closed", None, 409)


class TestDelayedWithoutTime:
    def test_due_after_the_service_delay(self) -> None:
        plan = plan_callback(support(), DELAYED, None, NOW)
        assert plan.state is CallbackState.SCHEDULED
        assert plan.due_at == plan.desired_time == NOW + timedelta(minutes=30)
        assert plan.slot is None

    def test_a_delay_that_ends_after_closing_waits_for_the_next_opening(self) -> None:
        late_friday = FRIDAY_CLOSING - timedelta(minutes=10)
        plan = plan_callback(support(), DELAYED, None, late_friday)
        assert plan.due_at == datetime(2026, 6, 6, 14, 0, tzinfo=UTC)

    def test_no_delay_while_open_is_queued_at_once(self) -> None:
        plan = plan_callback(support(delay_minutes=0), DELAYED, None, NOW)
        assert plan.state is CallbackState.QUEUED
        assert plan.due_at is None


class TestExplicitTime:
    @pytest.mark.parametrize("callback_type", [DELAYED, SCHEDULED])
    def test_due_at_the_time_asked_for(self, callback_type: CallbackType) -> None:
        wanted = NOW + timedelta(hours=2)
        plan = plan_callback(support(), callback_type, wanted, NOW)
        assert plan.state is CallbackState.SCHEDULED
        assert plan.desired_time == plan.due_at == wanted

    def test_a_scheduled_callback_books_the_slot_it_falls_in(self) -> None:
        wanted = datetime(2026, 6, 1, 16, 20, tzinfo=UTC)  # 12:20 in New York
        plan = plan_callback(support(), SCHEDULED, wanted, NOW)
        assert plan.slot == Slot(
            datetime(2026, 6, 1, 16, 15, tzinfo=UTC), datetime(2026, 6, 1, 16, 30, tzinfo=UTC)
        )

    def test_a_delayed_callback_books_no_slot(self) -> None:
        plan = plan_callback(support(), DELAYED, NOW + timedelta(hours=2), NOW)
        assert plan.slot is None

    def test_any_offset_names_the_same_instant(self) -> None:
        wanted = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
        in_paris = wanted.astimezone(ZoneInfo("Europe/Paris"))
        assert plan_callback(support(), DELAYED, in_paris, NOW).due_at == wanted

    @pytest.mark.parametrize("callback_type", [DELAYED, SCHEDULED])
    def test_plan_at_needs_a_time(self, callback_type: CallbackType) -> None:
        with pytest.raises(RingbackError) as excinfo:
            plan_at(support(), callback_type, None, NOW)
        assert refusal(excinfo) == ("desired-time-required", "desired_time", 422)

    def test_a_scheduled_callback_without_a_time_is_refused(self) -> None:
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), SCHEDULED, None, NOW)
        assert refusal(excinfo) == ("desired-time-required", "desired_time", 422)

    def test_a_time_without_an_offset_is_refused(self) -> None:
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), SCHEDULED, datetime(2026, 6, 1, 12, 0), NOW)
        assert refusal(excinfo) == ("desired-time-without-zone", "desired_time", 422)

    @pytest.mark.parametrize("ago", [timedelta(0), timedelta(microseconds=1), timedelta(days=1)])
    def test_a_time_not_ahead_is_in_the_past(self, ago: timedelta) -> None:
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), SCHEDULED, NOW - ago, NOW)
        assert refusal(excinfo) == ("desired-time-in-past", "desired_time", 422)

    def test_a_time_inside_the_lead_time_is_too_soon(self) -> None:
        earliest = NOW + timedelta(minutes=10)
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), SCHEDULED, earliest - timedelta(microseconds=1), NOW)
        assert refusal(excinfo) == ("desired-time-too-soon", "desired_time", 422)
        assert excinfo.value.extra["earliest"] == earliest.isoformat()

    def test_the_end_of_the_lead_time_is_accepted(self) -> None:
        earliest = NOW + timedelta(minutes=10)
        assert plan_callback(support(), DELAYED, earliest, NOW).due_at == earliest

    def test_a_time_beyond_the_booking_horizon_is_refused(self) -> None:
        service = support(
            booking_horizon_days=7,
            office_hours=OfficeHoursConfig(monday=["00:00-24:00"], tuesday=["00:00-24:00"]),
        )
        latest = NOW + timedelta(days=7)
        assert plan_callback(service, DELAYED, latest, NOW).due_at == latest
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(service, DELAYED, latest + timedelta(microseconds=1), NOW)
        assert refusal(excinfo) == ("beyond-booking-horizon", "desired_time", 422)
        assert excinfo.value.extra["latest"] == latest.isoformat()

    @pytest.mark.parametrize("callback_type", [DELAYED, SCHEDULED])
    @pytest.mark.parametrize(
        "wanted",
        [
            datetime(2026, 6, 1, 21, 0, tzinfo=UTC),  # Monday 17:00, closing time
            datetime(2026, 6, 3, 15, 0, tzinfo=UTC),  # the staff day, closed by exception
            datetime(2026, 6, 7, 15, 0, tzinfo=UTC),  # Sunday
        ],
    )
    def test_a_time_when_the_service_is_closed_is_refused(
        self, callback_type: CallbackType, wanted: datetime
    ) -> None:
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), callback_type, wanted, NOW)
        assert refusal(excinfo) == ("outside-office-hours", "desired_time", 422)
        assert "America/New_York" in excinfo.value.detail

    def test_an_open_time_with_no_whole_slot_is_refused_only_when_scheduled(self) -> None:
        # Saturday closes at 12:10: the last ten minutes are open but hold no 15-minute slot.
        remainder = datetime(2026, 6, 6, 16, 5, tzinfo=UTC)
        assert plan_callback(support(), DELAYED, remainder, NOW).due_at == remainder
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), SCHEDULED, remainder, NOW)
        assert refusal(excinfo) == ("outside-office-hours", "desired_time", 422)

    def test_the_past_is_reported_before_the_office_hours(self) -> None:
        sunday_before = datetime(2026, 5, 31, 15, 0, tzinfo=UTC)
        with pytest.raises(RingbackError) as excinfo:
            plan_callback(support(), SCHEDULED, sunday_before, NOW)
        assert excinfo.value.code == "desired-time-in-past"
