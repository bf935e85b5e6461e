"""The ``ringback`` command: one clear line and a non-zero exit on every error."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support import TEST_CONFIG
from typer.testing import CliRunner

from ringback import migrations
from ringback.cli import app
from ringback.config.loader import parse_config
from ringback.demo import demo_config_path

runner = CliRunner()


def ringback(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "ringback.toml"
    path.write_text(TEST_CONFIG, encoding="utf-8")
    return path


def test_help_everywhere() -> None:
    for command in (
        [],
        ["serve"],
        ["demo"],
        ["db"],
        ["db", "upgrade"],
        ["config", "apply"],
        ["config", "export"],
        ["apikey", "create"],
        ["apikey", "list"],
        ["apikey", "revoke"],
        ["callbacks", "list"],
    ):
        code, out, _ = ringback(*command, "--help")
        assert code == 0 and "Usage" in out, command


def test_upgrade_creates_a_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/ringback.db"
    code, out, _ = ringback("db", "upgrade", "--db", url)
    assert code == 0 and migrations.head_revision() in out
    assert (tmp_path / "new" / "ringback.db").exists()


def test_apply_then_export_round_trips(
    database_url: str, config_file: Path, tmp_path: Path
) -> None:
    code, out, err = ringback("config", "apply", str(config_file), "--db", database_url)
    assert code == 0, err
    assert "5 services" in out
    exported = tmp_path / "exported.toml"
    code, _, err = ringback("config", "export", "--db", database_url, "--output", str(exported))
    assert code == 0, err
    assert parse_config(exported.read_text(), source="x") == parse_config(TEST_CONFIG, source="y")


def test_demo_config_round_trips(database_url: str) -> None:
    assert ringback("config", "apply", str(demo_config_path()), "--db", database_url)[0] == 0
    code, out, _ = ringback("config", "export", "--db", database_url)
    assert code == 0
    assert parse_config(out, source="export") == parse_config(
        demo_config_path().read_text(), source="demo"
    )


def test_a_bad_file_changes_nothing(database_url: str, config_file: Path, tmp_path: Path) -> None:
    ringback("config", "apply", str(config_file), "--db", database_url)
    before = ringback("config", "export", "--db", database_url)[1]
    bad = tmp_path / "bad.toml"
    bad.write_text(
        TEST_CONFIG.replace("slot_minutes = 30", "slot_minutes = 1").replace(
            'name = "returning"', 'name = "returning-renamed"'
        )
    )
    code, out, err = ringback("config", "apply", str(bad), "--db", database_url)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {bad}: services[0] (support).slot_minutes: ")
    assert "greater than or equal to 5" in err
    assert ringback("config", "export", "--db", database_url)[1] == before


def test_check_reports_toml_syntax_errors(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("[[services]\nname = 1\n")
    code, _, err = ringback("config", "check", str(bad))
    assert code == 1 and f"{bad}: not valid TOML" in err and "line 1" in err
    code, _, err = ringback("config", "check", str(tmp_path / "missing.toml"))
    assert code == 1 and "cannot be read" in err


def test_apikeys(database_url: str, config_file: Path) -> None:
    ringback("config", "apply", str(config_file), "--db", database_url)
    code, out, err = ringback(
        "apikey",
        "create",
        "--name",
        "website",
        "--services",
        "support,anytime",
        "--db",
        database_url,
    )
    assert code == 0 and out.startswith("rbk_") and "not shown again" in err
    assert (
        ringback(
            "apikey", "create", "--name", "website", "--services", "support", "--db", database_url
        )[0]
        == 1
    )
    code, _, err = ringback(
        "apikey", "create", "--name", "ivr", "--services", "nope", "--db", database_url
    )
    assert code == 1 and "no such service: nope" in err
    code, out, _ = ringback("apikey", "list", "--db", database_url)
    assert code == 0 and "website" in out and "anytime,support" in out and "active" in out
    assert ringback("apikey", "revoke", "website", "--db", database_url)[0] == 0
    assert "revoked" in ringback("apikey", "list", "--db", database_url)[1]
    code, _, err = ringback("apikey", "revoke", "nobody", "--db", database_url)
    assert code == 1 and "no API key named 'nobody'" in err


def test_callbacks_list(database_url: str) -> None:
    ringback("config", "apply", str(demo_config_path()), "--db", database_url)
    code, out, err = ringback("callbacks", "list", "--db", database_url)
    assert code == 0 and out == "" and "no callbacks" in err
    code, _, err = ringback("callbacks", "list", "--service", "nope", "--db", database_url)
    assert code == 1 and "nope" in err


def test_serve_refuses_a_database_that_is_not_upgraded(tmp_path: Path) -> None:
    code, _, err = ringback("serve", "--db", f"sqlite:///{tmp_path}/empty.db")
    assert code == 1
    assert "ringback db upgrade" in err


def test_commands_on_an_unreachable_database_fail_cleanly(tmp_path: Path) -> None:
    code, _, err = ringback("apikey", "list", "--db", f"sqlite:///{tmp_path}/empty.db")
    assert code == 1 and err.startswith("error: database unavailable or not upgraded")


def test_agents(database_url: str) -> None:
    code, out, err = ringback(
        "agents",
        "add",
        "maria",
        "--name",
        "Maria G",
        "--place",
        "2001",
        "--skills",
        "cards,french",
        "--password",
        "long enough secret",
        "--db",
        database_url,
    )
    assert code == 0, err
    code, _, err = ringback(
        "agents",
        "add",
        "maria",
        "--name",
        "M",
        "--place",
        "2002",
        "--password",
        "long enough secret",
        "--db",
        database_url,
    )
    assert code == 1 and "exists already" in err
    code, _, err = ringback(
        "agents",
        "add",
        "tom",
        "--name",
        "T",
        "--place",
        "2001",
        "--password",
        "long enough secret",
        "--db",
        database_url,
    )
    assert code == 1 and "place 2001" in err
    code, _, err = ringback(
        "agents", "passwd", "maria", "--password", "short", "--db", database_url
    )
    assert code == 1 and "at least 8" in err
    assert (
        ringback(
            "agents", "passwd", "maria", "--password", "another long one", "--db", database_url
        )[0]
        == 0
    )
    code, out, _ = ringback("agents", "list", "--db", database_url)
    assert code == 0
    assert out.splitlines() == [
        "maria\tMaria G\tplace 2001\tagent\tcards,french\t"
        "voice=logged_out, webcallback=logged_out\tactive"
    ]


def test_the_sip_switch_needs_its_section(tmp_path: Path) -> None:
    code, _, err = ringback("switch", "--driver", "sip")
    assert code == 1 and "[sip] section" in err
    bad = tmp_path / "ringback.toml"
    bad.write_text(TEST_CONFIG + "\n[sip]\nsip_port = 70000\n", encoding="utf-8")
    code, _, err = ringback("switch", "--driver", "sip", "--config", str(bad))
    assert code == 1 and "sip.sip_port" in err
