"""The response library through ``ringback config apply`` and ``export``: a full round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support import TEST_CONFIG
from typer.testing import CliRunner

from ringback.cli import app
from ringback.config.loader import parse_config
from ringback.demo import demo_config_path

runner = CliRunner()


def ringback(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_test_library_round_trips(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "ringback.toml"
    source.write_text(TEST_CONFIG, encoding="utf-8")
    code, _, err = ringback("config", "apply", str(source), "--db", database_url)
    assert code == 0, err
    code, out, err = ringback("config", "export", "--db", database_url)
    assert code == 0, err
    exported = parse_config(out, source="export")
    assert exported.responses == parse_config(TEST_CONFIG, source="test").responses
    assert [r.code for r in exported.responses] == [
        "greeting",
        "callback-confirmation",
        "rappel-fr",
    ]
    # The exported file applies again, unchanged.
    again = tmp_path / "again.toml"
    again.write_text(out, encoding="utf-8")
    assert ringback("config", "apply", str(again), "--db", database_url)[0] == 0
    assert ringback("config", "export", "--db", database_url)[1] == out


def test_the_demo_library_round_trips(database_url: str) -> None:
    assert ringback("config", "apply", str(demo_config_path()), "--db", database_url)[0] == 0
    code, out, _ = ringback("config", "export", "--db", database_url)
    assert code == 0
    exported = parse_config(out, source="export")
    demo = parse_config(demo_config_path().read_text(encoding="utf-8"), source="demo")
    assert exported.responses == demo.responses
    assert len(exported.responses) == 8
    assert {r.category for r in exported.responses} == {
        "Cards",
        "Mortgages",
        "Support en français",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('services = ["returning"]', 'services = ["nope"]'), "no service named 'nope'"),
        (("{contact.first_name}, this", "{contact.firstname}, this"), "unknown field"),
    ],
)
def test_a_bad_response_stops_the_whole_file(
    database_url: str, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TEST_CONFIG.replace(*change), encoding="utf-8")
    code, out, err = ringback("config", "apply", str(bad), "--db", database_url)
    assert code == 1 and out == ""
    assert message in err
    code, out, _ = ringback("config", "export", "--db", database_url)
    assert code == 0 and "[[responses]]" not in out and "[[services]]" not in out
