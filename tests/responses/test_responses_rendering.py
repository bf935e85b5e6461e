"""Field substitution and callback times for customers: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringback.responses.rendering import (
    FIELDS,
    callback_time_for_customer,
    render_response,
    template_problems,
)

DANA = {"contact.first_name": "Dana", "contact.last_name": "Reyes", "agent.name": "Amy Chen"}


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("Hello {contact.first_name},", "Hello Dana,"),
        ("{contact.first_name} {contact.last_name}", "Dana Reyes"),
        ("Hi {contact.first_name}, I am {agent.name}.", "Hi Dana, I am Amy Chen."),
        # A field without a value stays visible, so the agent sees the gap.
        ("We call you on {callback.desired_time}.", "We call you on [callback.desired_time]."),
        ("{service.name}", "[service.name]"),
        # Doubled braces are literal braces, whatever is inside them.
        ("{{contact.first_name}}", "{contact.first_name}"),
        ("{{{contact.first_name}}}", "{Dana}"),
        ("set {{ and }}", "set { and }"),
        # Braces that open no field are left as they are.
        ("a { lone brace }", "a { lone brace }"),
        ("{Contact.First_Name}", "{Contact.First_Name}"),
        ("", ""),
    ],
)
def test_render(text: str, rendered: str) -> None:
    assert render_response(text, DANA) == rendered


def test_empty_and_blank_values_count_as_missing() -> None:
    fields = {"contact.first_name": "", "contact.last_name": "  ", "agent.name": None}
    assert render_response("{contact.first_name}|{contact.last_name}|{agent.name}", fields) == (
        "[contact.first_name]|[contact.last_name]|[agent.name]"
    )


def test_values_are_inserted_as_they_are_never_expanded_again() -> None:
    fields = {"contact.first_name": "{agent.name}", "agent.name": "Amy"}
    assert render_response("{contact.first_name} / {agent.name}", fields) == "{agent.name} / Amy"


@given(st.text(alphabet=st.characters(blacklist_characters="{}")))
def test_text_without_braces_comes_back_unchanged(text: str) -> None:
    assert render_response(text, DANA) == text


def test_template_problems_name_unknown_fields_and_lone_braces() -> None:
    assert template_problems("Hello {contact.first_name}, {{ok}}") == []
    assert all(template_problems(f"{{{name}}}") == [] for name in FIELDS)
    [unknown] = template_problems("Hello {contact.firstname} and {contact.firstname}")
    assert unknown.startswith("unknown field {contact.firstname}")
    [lone] = template_problems("Hello {contact.first_name")
    assert "lone" in lone


NEW_YORK = "America/New_York"


@pytest.mark.parametrize(
    ("instant", "customer", "service", "locale", "said"),
    [
        (
            datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
            NEW_YORK,
            "Europe/Paris",
            None,
            "Tuesday 8 December 2026, 10:30 (America/New_York)",
        ),
        # The customer's zone unknown: the service's.
        (
            datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
            None,
            "Europe/Paris",
            None,
            "Tuesday 8 December 2026, 16:30 (Europe/Paris)",
        ),
        (
            datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
            "Not/AZone",
            "America/Chicago",
            "en-US",
            "Tuesday 8 December 2026, 09:30 (America/Chicago)",
        ),
        # Across the date line the customer's day is not the service's.
        (
            datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
            "Australia/Sydney",
            NEW_YORK,
            None,
            "Wednesday 9 December 2026, 02:30 (Australia/Sydney)",
        ),
        (
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
            "Europe/Paris",
            "Europe/Paris",
            "fr-FR",
            "mardi 1er décembre 2026, 09:00 (Europe/Paris)",
        ),
        (
            datetime(2026, 8, 15, 12, 5, tzinfo=UTC),
            "Europe/Paris",
            "Europe/Paris",
            "fr_CA",
            "samedi 15 août 2026, 14:05 (Europe/Paris)",
        ),
        (
            datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
            NEW_YORK,
            NEW_YORK,
            "de",
            "Tuesday 8 December 2026, 10:30 (America/New_York)",
        ),
    ],
)
def test_callback_time_for_customer(
    instant: datetime, customer: str | None, service: str, locale: str | None, said: str
) -> None:
    assert callback_time_for_customer(instant, customer, service, locale) == said


def test_spring_forward_skips_the_missing_hour() -> None:
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT.
    before = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
    assert callback_time_for_customer(before, NEW_YORK, NEW_YORK) == (
        "Sunday 8 March 2026, 01:59 (America/New_York)"
    )
    assert callback_time_for_customer(before + timedelta(minutes=1), NEW_YORK, NEW_YORK) == (
        "Sunday 8 March 2026, 03:00 (America/New_York)"
    )


def test_the_repeated_hour_of_fall_back_says_which_one() -> None:
    # New York, 1 November 2026: 01:00-02:00 happens twice, first EDT then EST.
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    second = first + timedelta(hours=1)
    assert callback_time_for_customer(first, NEW_YORK, NEW_YORK) == (
        "Sunday 1 November 2026, 01:30 (America/New_York, EDT)"
    )
    assert callback_time_for_customer(second, NEW_YORK, NEW_YORK) == (
        "Sunday 1 November 2026, 01:30 (America/New_York, EST)"
    )
    # Outside the repeated hour, no abbreviation is needed.
    assert callback_time_for_customer(second + timedelta(hours=1), NEW_YORK, NEW_YORK) == (
        "Sunday 1 November 2026, 02:30 (America/New_York)"
    )


def test_paris_changes_clocks_on_another_day_than_new_york() -> None:
    # 29 March 2026: Paris is on summer time, New York has been since 8 March.
    instant = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert callback_time_for_customer(instant, "Europe/Paris", NEW_YORK, "fr") == (
        "dimanche 29 mars 2026, 03:30 (Europe/Paris)"
    )
    assert callback_time_for_customer(instant, None, NEW_YORK) == (
        "Saturday 28 March 2026, 21:30 (America/New_York)"
    )
    repeated = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, then an hour later CET
    assert callback_time_for_customer(repeated, "Europe/Paris", NEW_YORK, "fr") == (
        "dimanche 25 octobre 2026, 02:30 (Europe/Paris, CEST)"
    )


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        callback_time_for_customer(datetime(2026, 12, 8, 10, 30), NEW_YORK, NEW_YORK)


ZONES = ["America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    st.sampled_from(ZONES),
)
def test_the_words_name_the_customers_wall_clock(instant: datetime, zone: str) -> None:
    local = instant.astimezone(ZoneInfo(zone))
    said = callback_time_for_customer(instant, zone, "UTC")
    date_part, _, rest = said.partition(", ")
    weekday, day, month, year = date_part.split(" ")
    assert weekday == local.strftime("%A") and int(day) == local.day
    assert month == local.strftime("%B") and int(year) == local.year
    assert rest.startswith(f"{local:%H:%M} ({zone}")
