"""A service's inbound_first setting: its default, the values it takes, and the refusal of
others by `ringback config check` with the place named; applied and exported like the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support import TEST_CONFIG
from typer.testing import CliRunner

from ringback.cli import app
from ringback.config.loader import ConfigFileError, parse_config
from ringback.config.schema import InboundFirstPolicy

runner = CliRunner()
SERVICE = """
[[queues]]
name = "billing"

[[services]]
name = "billing"
queue = "billing"
time_zone = "Europe/Paris"
{setting}
[services.office_hours]
monday = ["09:00-17:00"]
"""


def test_a_service_completes_callbacks_when_the_customer_reached_an_agent_by_default() -> None:
    config = parse_config(SERVICE.format(setting=""), source="ringback.toml")
    assert config.services[0].inbound_first is InboundFirstPolicy.COMPLETE


@pytest.mark.parametrize("value", ["complete", "keep", "merge"])
def test_each_policy_is_accepted(value: str) -> None:
    config = parse_config(
        SERVICE.format(setting=f'inbound_first = "{value}"'), source="ringback.toml"
    )
    assert config.services[0].inbound_first == value


@pytest.mark.parametrize("value", ['"cancel"', '"Complete"', "true", '""'])
def test_another_value_is_refused_with_its_place(value: str) -> None:
    with pytest.raises(ConfigFileError) as excinfo:
        parse_config(SERVICE.format(setting=f"inbound_first = {value}"), source="ringback.toml")
    problems = excinfo.value.extra["problems"]
    assert len(problems) == 1
    assert problems[0].startswith("services[0] (billing).inbound_first: ")
    assert "'complete', 'keep' or 'merge'" in problems[0]


def test_config_check_refuses_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "ringback.toml"
    bad.write_text(SERVICE.format(setting='inbound_first = "cancel"'), encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: services[0] (billing).inbound_first: " in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(SERVICE.format(setting='inbound_first = "keep"'), encoding="utf-8")
    assert runner.invoke(app, ["config", "check", str(good)]).exit_code == 0


def test_applied_then_exported(database_url: str, tmp_path: Path) -> None:
    document = TEST_CONFIG.replace(
        'duplicate_policy = "return-existing"',
        'duplicate_policy = "return-existing"\ninbound_first = "merge"',
    )
    assert 'inbound_first = "merge"' in document
    path = tmp_path / "ringback.toml"
    path.write_text(document, encoding="utf-8")
    applied = runner.invoke(app, ["config", "apply", str(path), "--db", database_url])
    assert applied.exit_code == 0, applied.stderr
    exported = runner.invoke(app, ["config", "export", "--db", database_url])
    assert exported.exit_code == 0
    assert 'inbound_first = "merge"' in exported.stdout
    services = {s.name: s for s in parse_config(exported.stdout, source="export").services}
    assert services["returning"].inbound_first is InboundFirstPolicy.MERGE
    assert services["support"].inbound_first is InboundFirstPolicy.COMPLETE
