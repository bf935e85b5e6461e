"""SQLite is for one node: a second node on the same file is refused with the reason, and a
node that died does not keep the next one out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import free_port
from tests.e2e.process import ringback_node

from ringback import migrations

pytestmark = pytest.mark.e2e


def second_node(database_url: str) -> subprocess.CompletedProcess[str]:
    command = ["serve", "--db", database_url, "--port", str(free_port()), "--log-format", "json"]
    return subprocess.run(
        [sys.executable, "-m", "ringback", *command],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_second_node_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'ringback.db'}"
    migrations.upgrade(database_url)
    with ringback_node(database_url, log=tmp_path / "first.log") as first:
        refused = second_node(database_url)
        assert refused.returncode != 0
        assert "SQLite is for one node" in refused.stderr
        assert "database-in-use" not in refused.stdout  # a log line for people, not a dump
        assert httpx.get(f"{first.url}/readyz").status_code == 200  # the first serves on
        first.kill()
        # The kernel let go of the dead node's lock: the next node starts.
        with ringback_node(database_url, log=tmp_path / "next.log") as after:
            assert httpx.get(f"{after.url}/readyz").status_code == 200
