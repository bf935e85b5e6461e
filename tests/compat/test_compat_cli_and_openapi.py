"""What operators and client authors read: the OAuth client `ringback apikey create` prints,
the switches of `ringback serve --help`, and the surfaces' place in /openapi.json."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.e2e.compat import COMPAT_CONFIG
from typer.testing import CliRunner

from ringback.app import create_app
from ringback.cli import app
from ringback.compat.credentials import key_for_client
from ringback.settings import Settings

runner = CliRunner()


def test_apikey_create_prints_the_oauth_client_beside_the_key(
    database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "ringback.toml"
    config.write_text(COMPAT_CONFIG, encoding="utf-8")
    assert runner.invoke(app, ["config", "apply", str(config), "--db", database_url]).exit_code == 0
    made = runner.invoke(
        app, ["apikey", "create", "--name", "ivr", "--services", "anytime", "--db", database_url]
    )
    assert made.exit_code == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("rbk_") and "\n" not in key  # stdout is the key alone
    lines = dict(
        line.strip().split(":", 1) for line in made.stderr.splitlines() if line.startswith("  ")
    )
    client_id, client_secret = lines["client id"].strip(), lines["client secret"].strip()
    assert key_for_client(client_id, client_secret) == key
    assert client_secret not in client_id and "not shown again" in made.stderr


def test_serve_help_names_the_switch_of_each_surface() -> None:
    shown = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "250", "TERMINAL_WIDTH": "250"})
    assert shown.exit_code == 0
    for name in ("--no-genesys-cloud-api", "--no-gms-api", "RINGBACK_GENESYS_CLOUD_API"):
        assert name in shown.stdout, name
    assert "RINGBACK_GMS_API" in shown.stdout


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    return create_app(Settings(database_url="sqlite+aiosqlite://")).openapi()


def test_the_surfaces_have_their_own_tags_and_vendor_shaped_refusals(document: dict) -> None:  # type: ignore[type-arg]
    tags = {tag["name"] for tag in document["tags"]}
    assert {"genesys-cloud", "gms", "oauth"} <= tags
    create = document["paths"]["/api/v2/conversations/callbacks"]["post"]
    assert create["tags"] == ["genesys-cloud"]
    refused = create["responses"]["400"]["content"]
    assert refused["application/json"]["schema"] == {"$ref": "#/components/schemas/GenesysError"}
    # Only what every request passes before the route answers with a problem.
    assert "application/problem+json" in create["responses"]["413"]["content"]
    assert "application/problem+json" in create["responses"]["422"]["content"]
    gms = document["paths"]["/genesys/1/service/callback/{service}"]["post"]
    assert set(gms["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert gms["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GmsError"
    }
    schemes = document["components"]["securitySchemes"]
    assert schemes["compat-bearer"]["scheme"] == "bearer"
    assert schemes["compat-basic"]["scheme"] == "basic"
    assert {"compat-basic": []} in create["security"]


def test_a_node_can_leave_each_surface_out() -> None:
    only_gms = create_app(
        Settings(database_url="sqlite+aiosqlite://", genesys_cloud_api=False)
    ).openapi()
    paths = list(only_gms["paths"])
    assert not [p for p in paths if p.startswith("/api/v2/")]
    assert "/genesys/1/service/callback/{service}" in paths and "/oauth/token" in paths
    neither = create_app(
        Settings(database_url="sqlite+aiosqlite://", genesys_cloud_api=False, gms_api=False)
    ).openapi()
    assert not [p for p in neither["paths"] if p.startswith(("/genesys/", "/oauth/"))]
