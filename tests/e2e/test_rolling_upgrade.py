"""Nodes are upgraded one at a time: a node keeps serving a schema that a later release
migrated, and refuses one that is behind it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from tests.e2e.conftest import free_port, prepare
from tests.e2e.process import ringback_node

from ringback.db import sync_url

pytestmark = pytest.mark.e2e


def stamp(database_url: str, revision: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_a_node_serves_a_schema_a_later_release_upgraded(database_url: str, tmp_path: Path) -> None:
    keys = prepare(database_url)
    stamp(database_url, "0099_from_a_later_release")
    with ringback_node(database_url, log=tmp_path / "node.log") as node:
        ready = httpx.get(f"{node.url}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["schema"] == "0099_from_a_later_release"
        listed = httpx.get(
            f"{node.url}/api/v1/services", headers={"Authorization": f"Bearer {keys['all']}"}
        )
        assert listed.status_code == 200


def test_a_node_refuses_a_schema_behind_it(database_url: str) -> None:
    prepare(database_url)
    stamp(database_url, "0005")
    command = ["serve", "--db", database_url, "--port", str(free_port())]
    refused = subprocess.run(
        [sys.executable, "-m", "ringback", *command],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert refused.returncode == 1
    assert "run `ringback db upgrade" in refused.stderr
