"""Reading the configuration file: each problem names the file, the place and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringback.config.loader import ConfigFileError, dump_config, load_config, parse_config
from ringback.config.schema import RingbackConfig
from ringback.demo import demo_config_path

SOURCE = "/etc/ringback/ringback.toml"

HEADER = """
[[queues]]
name = "billing"

[[dispositions]]
code = "resolved"
label = "Resolved"
"""

SERVICE = """
[[services]]
name = "billing"
queue = "billing"
time_zone = "Europe/Paris"
default_region = "FR"
{settings}

[services.office_hours]
monday = ["09:00-12:00", "13:00-17:00"]
{hours}
"""


def service_document(settings: str = "", hours: str = "", header: str = HEADER) -> str:
    return header + SERVICE.format(settings=settings, hours=hours)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigFileError) as excinfo:
        parse_config(text, source=SOURCE)
    refused = excinfo.value
    assert (refused.code, refused.status) == ("invalid-config", 422)
    problems: list[str] = refused.extra["problems"]
    # The detail repeats every problem, each prefixed with the file it is in.
    assert refused.detail == "\n".join(f"{SOURCE}: {problem}" for problem in problems)
    return problems


def test_a_valid_service_parses() -> None:
    config = parse_config(service_document(), source=SOURCE)
    assert config.services[0].name == "billing"
    assert config.services[0].default_region == "FR"


@pytest.mark.parametrize(
    ("settings", "hours", "problem"),
    [
        (
            "slot_minutes = 2",
            "",
            "services[0] (billing).slot_minutes: Input should be greater than or equal to 5",
        ),
        (
            'time_zone_name = "Europe/Paris"',
            "",
            "services[0] (billing).time_zone_name: Extra inputs are not permitted",
        ),
        (
            "",
            'tuesday = ["09:00-12:00", "11:00-13:00"]',
            "services[0] (billing).office_hours.tuesday: periods 09:00-12:00 and 11:00-13:00 "
            "overlap",
        ),
        (
            "",
            'tuesday = ["22:00-02:00"]',
            "services[0] (billing).office_hours.tuesday: '22:00-02:00' ends before it starts "
            "(periods may not cross midnight)",
        ),
        (
            "",
            "funday = []",
            "services[0] (billing).office_hours.funday: Extra inputs are not permitted",
        ),
        (
            'dispositions = ["refunded"]',
            "",
            "services[0] (billing).dispositions: no top-level disposition code 'refunded'",
        ),
        (
            'types = ["callback"]',
            "",
            "services[0] (billing).types[0]: Input should be 'immediate', 'delayed' or 'scheduled'",
        ),
        (
            "",
            """
[[services.office_hours.exceptions]]
date = 2026-12-25
name = "Christmas Day"
closed = true
hours = ["09:00-12:00"]
""",
            "services[0] (billing).office_hours.exceptions[0] (Christmas Day): "
            "an exception is either closed = true or has hours, not both",
        ),
        (
            "",
            """
[[services.office_hours.exceptions]]
date = 2026-12-25
closed = true

[[services.office_hours.exceptions]]
date = 2026-12-25
hours = ["09:00-12:00"]
""",
            "services[0] (billing).office_hours.exceptions: 2026-12-25 has more than one exception",
        ),
    ],
)
def test_a_problem_names_its_place_and_reason(settings: str, hours: str, problem: str) -> None:
    assert problems_of(service_document(settings, hours)) == [problem]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("time_zone", '"Mars/Olympus_Mons"', "'Mars/Olympus_Mons' is not an IANA time zone"),
        ("time_zone", '"Europe"', "'Europe' is not an IANA time zone"),
        ("default_region", '"XX"', "'XX' is not a region phone numbers know"),
    ],
)
def test_bad_zones_and_regions(field: str, value: str, reason: str) -> None:
    text = service_document().replace(f"{field} = ", f"{field} = {value}\n# was: {field} = ", 1)
    [problem] = problems_of(text)
    assert problem.startswith(f"services[0] (billing).{field}: {reason}")


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            "reminder_before_minutes = -5",
            "services[0] (billing).reminder_before_minutes: "
            "Input should be greater than or equal to 0",
        ),
        (
            "customer_emails = true\nexpiry_email = true",
            "services[0] (billing): expiry_email = true needs expire_after_hours: "
            "without it no callback expires",
        ),
    ],
)
def test_customer_email_settings_name_their_place(settings: str, problem: str) -> None:
    assert problems_of(service_document(settings)) == [problem]


def test_an_unknown_queue() -> None:
    text = service_document().replace('queue = "billing"', 'queue = "billing-desk"')
    assert problems_of(text) == ["services[0] (billing).queue: no queue named 'billing-desk'"]


def test_the_place_counts_services_in_file_order() -> None:
    second = SERVICE.replace('name = "billing"', 'name = "refunds"').format(
        settings="slot_minutes = 500", hours=""
    )
    [problem] = problems_of(service_document() + second)
    assert problem.startswith("services[1] (refunds).slot_minutes: ")


def test_duplicate_names() -> None:
    text = service_document() + SERVICE.format(settings="", hours="")
    assert problems_of(text) == ["services: 'billing' is defined twice"]


def test_a_nested_disposition_is_labelled_by_its_code() -> None:
    text = HEADER + '[[dispositions.children]]\ncode = "Resolved Now"\nlabel = "Now"\n'
    [problem] = problems_of(text)
    assert problem.startswith("dispositions[0] (resolved).children[0] (Resolved Now).code: ")


def test_an_unknown_section() -> None:
    assert problems_of(HEADER + "\n[wallboard_colours]\nqueued = 3\n") == [
        "wallboard_colours: Extra inputs are not permitted"
    ]


def test_every_problem_is_reported() -> None:
    text = service_document('slot_minutes = 1\ndefault_region = "XX"', 'sunday = ["18:00-09:00"]')
    text = text.replace('default_region = "FR"\n', "")
    problems = problems_of(text)
    assert {problem.split(":")[0] for problem in problems} == {
        "services[0] (billing).default_region",
        "services[0] (billing).slot_minutes",
        "services[0] (billing).office_hours.sunday",
    }


def test_text_that_is_not_toml() -> None:
    [problem] = problems_of('[[services]\nname = "billing"\n')
    assert problem.startswith("not valid TOML: ")
    assert "line 1" in problem


def test_load_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ringback.toml"
    path.write_text(service_document(settings="slot_minutes = 2"), encoding="utf-8")
    with pytest.raises(ConfigFileError) as excinfo:
        load_config(path)
    assert excinfo.value.detail.startswith(f"{path}: services[0] (billing).slot_minutes: ")


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(ConfigFileError) as excinfo:
        load_config(path)
    assert excinfo.value.extra["problems"] == ["cannot be read: No such file or directory"]
    assert excinfo.value.detail.startswith(str(path))


class TestDemoConfiguration:
    def test_the_demo_file_is_valid(self) -> None:
        config = load_config(demo_config_path())
        assert [service.name for service in config.services] == [
            "cards",
            "mortgage-advice",
            "support-fr",
            "web-enquiries",
        ]
        assert [queue.name for queue in config.queues] == ["cards", "mortgages", "support-fr"]

    def test_dump_then_parse_gives_the_same_configuration(self) -> None:
        config = load_config(demo_config_path())
        again = parse_config(dump_config(config), source="exported.toml")
        assert again == config
        assert again.services[1].hours == config.services[1].hours

    def test_dumping_is_stable(self) -> None:
        text = dump_config(load_config(demo_config_path()))
        assert dump_config(parse_config(text, source="exported.toml")) == text

    def test_settings_left_at_their_default_are_not_written(self) -> None:
        text = dump_config(parse_config(service_document(), source=SOURCE))
        assert "slot_minutes" not in text
        assert "retry_delays" not in text
        assert 'default_region = "FR"' in text

    def test_an_empty_document_dumps_to_nothing(self) -> None:
        assert dump_config(RingbackConfig()) == ""
