"""The configuration document's rules, checked on the models themselves."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from ringback.callbacks.states import CallbackType
from ringback.config.schema import (
    DispositionConfig,
    ExceptionConfig,
    NotReadyReasonConfig,
    OfficeHoursConfig,
    QueueConfig,
    RingbackConfig,
    ServiceConfig,
)
from ringback.scheduling.hours import OpenPeriod


def billing(**overrides: Any) -> dict[str, Any]:
    service: dict[str, Any] = {
        "name": "billing",
        "queue": "billing",
        "time_zone": "Europe/Paris",
        "office_hours": {"monday": ["09:00-12:00", "13:00-17:00"]},
    }
    service.update(overrides)
    return service


def refusal(excinfo: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple[Any, ...], str]]:
    return [(tuple(error["loc"]), error["msg"]) for error in excinfo.value.errors()]


class TestServiceConfig:
    def test_defaults(self) -> None:
        service = ServiceConfig.model_validate(billing())
        assert service.types == [
            CallbackType.IMMEDIATE,
            CallbackType.DELAYED,
            CallbackType.SCHEDULED,
        ]
        assert service.default_region == "US"
        assert service.slot_length == timedelta(minutes=15)
        assert service.zone == ZoneInfo("Europe/Paris")

    def test_office_hours_become_seven_days_and_dated_exceptions(self) -> None:
        christmas, eve = date(2026, 12, 25), date(2026, 12, 24)
        service = ServiceConfig(
            name="support",
            queue="support",
            time_zone="America/New_York",
            office_hours=OfficeHoursConfig(
                monday=["13:00-17:00", "09:00-12:00"],
                saturday=["09:00-13:00"],
                exceptions=[
                    ExceptionConfig(date=christmas, name="Christmas Day", closed=True),
                    ExceptionConfig(date=eve, name="Christmas Eve", hours=["08:00-12:00"]),
                ],
            ),
            slot_minutes=20,
        )
        hours = service.hours
        assert hours.zone == ZoneInfo("America/New_York")
        assert hours.weekly[0] == (OpenPeriod(540, 720), OpenPeriod(780, 1020))  # sorted
        assert hours.weekly[5] == (OpenPeriod(540, 780),)
        assert hours.weekly[1] == hours.weekly[6] == ()
        assert hours.exceptions == {christmas: (), eve: (OpenPeriod(480, 720),)}
        assert service.slot_length == timedelta(minutes=20)

    def test_the_region_is_upper_cased(self) -> None:
        assert ServiceConfig.model_validate(billing(default_region="fr")).default_region == "FR"

    @pytest.mark.parametrize("region", ["XX", "", "FRA", "001"])
    def test_an_unknown_region_is_refused(self, region: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(default_region=region))
        [(place, message)] = refusal(excinfo)
        assert place == ("default_region",)
        assert "is not a region" in message

    @pytest.mark.parametrize(
        "zone",
        ["Mars/Olympus_Mons", "europe/paris", "", "Europe", "Etc", "../etc/passwd", "Europe/"],
    )
    def test_an_unknown_time_zone_is_refused(self, zone: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(time_zone=zone))
        [(place, message)] = refusal(excinfo)
        assert place == ("time_zone",)
        assert "is not an IANA time zone" in message

    @pytest.mark.parametrize(
        ("fields", "place"),
        [
            ({"caller_id": "442079460000"}, "caller_id"),
            ({"caller_id": "+44 20 7946 0000"}, "caller_id"),
            ({"ring_seconds": 2}, "ring_seconds"),
            ({"ring_seconds": 601}, "ring_seconds"),
        ],
    )
    def test_the_calls_caller_id_and_ring_time_are_checked(
        self, fields: dict[str, Any], place: str
    ) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(**fields))
        [(where, _)] = refusal(excinfo)
        assert where == (place,)

    def test_a_callback_type_listed_twice_is_refused(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(types=["scheduled", "delayed", "scheduled"]))
        assert refusal(excinfo) == [(("types",), "Value error, a callback type is listed twice")]

    def test_a_service_offers_at_least_one_type(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(types=[]))
        assert refusal(excinfo)[0][0] == ("types",)

    @pytest.mark.parametrize(
        ("minutes", "valid"), [(4, False), (5, True), (240, True), (241, False)]
    )
    def test_slot_length_bounds(self, minutes: int, valid: bool) -> None:
        if valid:
            assert (
                ServiceConfig.model_validate(billing(slot_minutes=minutes)).slot_minutes == minutes
            )
        else:
            with pytest.raises(ValidationError):
                ServiceConfig.model_validate(billing(slot_minutes=minutes))

    @pytest.mark.parametrize("name", ["Billing", "-billing", "billing desk", "b" * 64, ""])
    def test_names_are_short_lower_case_slugs(self, name: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(name=name))
        assert refusal(excinfo)[0][0] == ("name",)

    def test_surrounding_blanks_of_a_name_are_dropped(self) -> None:
        assert ServiceConfig.model_validate(billing(name=" billing ")).name == "billing"

    def test_an_unknown_setting_is_refused(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(slot_minute=20))
        assert refusal(excinfo) == [(("slot_minute",), "Extra inputs are not permitted")]

    def test_customer_emails_are_off_until_turned_on(self) -> None:
        service = ServiceConfig.model_validate(billing())
        assert service.customer_emails is False and service.expiry_email is False
        assert service.reminder_before_minutes == 60

    @pytest.mark.parametrize(
        ("fields", "place", "reason"),
        [
            (
                {"reminder_before_minutes": -1},
                ("reminder_before_minutes",),
                "Input should be greater than or equal to 0",
            ),
            (
                {"reminder_before_minutes": 7 * 24 * 60 + 1},
                ("reminder_before_minutes",),
                "Input should be less than or equal to 10080",
            ),
            (
                {"customer_emails": "often"},
                ("customer_emails",),
                "Input should be a valid boolean, unable to interpret input",
            ),
            (
                {"expiry_email": True, "expire_after_hours": 4},
                (),
                "Value error, expiry_email = true needs customer_emails = true",
            ),
            (
                {"customer_emails": True, "expiry_email": True},
                (),
                "Value error, expiry_email = true needs expire_after_hours: without it no "
                "callback expires",
            ),
        ],
    )
    def test_customer_email_settings_are_checked(
        self, fields: dict[str, Any], place: tuple[str, ...], reason: str
    ) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ServiceConfig.model_validate(billing(**fields))
        assert refusal(excinfo) == [(place, reason)]

    def test_a_service_cannot_be_changed_in_place(self) -> None:
        service = ServiceConfig.model_validate(billing())
        with pytest.raises(ValidationError):
            service.slot_minutes = 30  # type: ignore[misc]


class TestOfficeHoursConfig:
    @pytest.mark.parametrize(
        ("periods", "reason"),
        [
            (["09:00-12:00", "11:30-13:00"], "overlap"),
            (["22:00-02:00"], "periods may not cross midnight"),
            (["09:00-25:00"], "does not exist"),
            (["9-17"], "is not a period like 09:00-17:30"),
        ],
    )
    def test_a_bad_day_is_refused_at_its_place(self, periods: list[str], reason: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            OfficeHoursConfig(thursday=periods)
        [(place, message)] = refusal(excinfo)
        assert place == ("thursday",)
        assert reason in message

    def test_touching_periods_are_fine(self) -> None:
        assert OfficeHoursConfig(friday=["09:00-12:00", "12:00-24:00"]).friday[1] == "12:00-24:00"

    def test_one_exception_per_date(self) -> None:
        day = date(2026, 12, 25)
        with pytest.raises(ValidationError) as excinfo:
            OfficeHoursConfig(
                exceptions=[
                    ExceptionConfig(date=day, closed=True),
                    ExceptionConfig(date=day, hours=["09:00-12:00"]),
                ]
            )
        [(place, message)] = refusal(excinfo)
        assert place == ("exceptions",)
        assert "2026-12-25 has more than one exception" in message

    def test_an_unknown_day_is_refused(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            OfficeHoursConfig.model_validate({"mon": ["09:00-17:00"]})
        assert refusal(excinfo) == [(("mon",), "Extra inputs are not permitted")]


class TestExceptionConfig:
    @pytest.mark.parametrize(
        "fields",
        [
            {"closed": True, "hours": ["09:00-12:00"]},
            {"closed": False},
            {},
        ],
    )
    def test_closed_or_open_hours_but_not_both_nor_neither(self, fields: dict[str, Any]) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ExceptionConfig.model_validate({"date": "2026-12-24", **fields})
        assert "either closed = true or has hours" in refusal(excinfo)[0][1]

    def test_exceptional_hours_follow_the_weekday_rules(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            ExceptionConfig.model_validate({"date": "2026-12-24", "hours": ["18:00-08:00"]})
        assert refusal(excinfo)[0][0] == ("hours",)


def document(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "queues": [{"name": "billing"}, {"name": "sales"}],
        "services": [billing(dispositions=["resolved"])],
        "dispositions": [
            {
                "code": "resolved",
                "label": "Resolved",
                "children": [{"code": "resolved.first-call", "label": "On this call"}],
            },
            {"code": "no-contact", "label": "No contact"},
        ],
        "not_ready_reasons": [{"code": "break", "label": "Break"}],
    }
    config.update(overrides)
    return config


class TestRingbackConfig:
    def test_a_consistent_document(self) -> None:
        config = RingbackConfig.model_validate(document())
        assert [queue.name for queue in config.queues] == ["billing", "sales"]
        assert config.services[0].dispositions == ["resolved"]
        assert config.dispositions[0].children[0] == DispositionConfig(
            code="resolved.first-call", label="On this call"
        )
        assert config.not_ready_reasons == [NotReadyReasonConfig(code="break", label="Break")]

    def test_an_empty_document_is_valid(self) -> None:
        assert RingbackConfig.model_validate({}) == RingbackConfig()

    def test_a_service_needs_a_known_queue(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            RingbackConfig.model_validate(document(queues=[QueueConfig(name="sales")]))
        [(place, message)] = refusal(excinfo)
        assert place == ()
        assert "services[0] (billing).queue: no queue named 'billing'" in message

    @pytest.mark.parametrize("code", ["refunded", "resolved.first-call"])
    def test_a_service_lists_only_top_level_dispositions(self, code: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            RingbackConfig.model_validate(document(services=[billing(dispositions=[code])]))
        [(_, message)] = refusal(excinfo)
        assert f"services[0] (billing).dispositions: no top-level disposition code {code!r}" in (
            message
        )

    @pytest.mark.parametrize(
        ("overrides", "reason"),
        [
            ({"queues": [{"name": "billing"}, {"name": "billing"}]}, "queues: 'billing'"),
            ({"services": [billing(), billing(queue="billing")]}, "services: 'billing'"),
            (
                {
                    "not_ready_reasons": [
                        {"code": "lunch", "label": "A"},
                        {"code": "lunch", "label": "B"},
                    ]
                },
                "not_ready_reasons: 'lunch'",
            ),
            (
                {
                    "dispositions": [
                        {"code": "resolved", "label": "Resolved"},
                        {
                            "code": "follow-up",
                            "label": "Follow-up",
                            "children": [{"code": "resolved", "label": "Again"}],
                        },
                    ]
                },
                "dispositions: 'resolved'",
            ),
        ],
    )
    def test_names_and_codes_are_unique(self, overrides: dict[str, Any], reason: str) -> None:
        with pytest.raises(ValidationError) as excinfo:
            RingbackConfig.model_validate(document(**overrides))
        [(_, message)] = refusal(excinfo)
        assert f"{reason} is defined twice" in message

    def test_an_unknown_section_is_refused(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            RingbackConfig.model_validate(document(wallboard_colours=[]))
        assert refusal(excinfo) == [(("wallboard_colours",), "Extra inputs are not permitted")]
