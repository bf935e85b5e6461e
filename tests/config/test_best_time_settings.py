"""The best time to call's settings of a service, checked with the rest of the document."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ringback.config.schema import ServiceConfig


def service(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "sales",
        "queue": "sales",
        "time_zone": "Europe/Paris",
        "office_hours": {"monday": ["09:00-20:00"]},
    }
    return fields | overrides


def test_off_by_default_with_a_four_hour_window() -> None:
    settings = ServiceConfig.model_validate(service())
    assert settings.best_time_to_call is False
    assert (settings.best_time_window_minutes, settings.best_time_min_calls) == (240, 100)


def test_only_a_service_with_delayed_callbacks_may_turn_it_on() -> None:
    with pytest.raises(ValidationError, match="best_time_to_call = true needs the delayed type"):
        ServiceConfig.model_validate(
            service(best_time_to_call=True, types=["immediate", "scheduled"])
        )
    assert ServiceConfig.model_validate(service(best_time_to_call=True)).best_time_to_call


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("best_time_window_minutes", 14),
        ("best_time_window_minutes", 7 * 24 * 60 + 1),
        ("best_time_min_calls", 0),
    ],
)
def test_out_of_range_values_are_refused_by_name(field: str, value: int) -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceConfig.model_validate(service(**{field: value}))
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]
