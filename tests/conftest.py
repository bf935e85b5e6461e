"""Shared fixtures: one database per test, on SQLite and on PostgreSQL; a controllable clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from ringback import migrations
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database

POSTGRES_ENV = "RINGBACK_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# A Monday morning in New York, far from any DST change.
T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)

TEST_CONFIG = """
[[queues]]
name = "support"
skills = ["support"]

[[services]]
name = "support"
display_name = "Customer support"
queue = "support"
time_zone = "America/New_York"
default_region = "US"
slot_minutes = 30
slot_capacity = 2
min_lead_minutes = 10
delay_minutes = 20
booking_horizon_days = 14
priority = 50
duplicate_policy = "reject"
max_active_per_number = 1
[services.office_hours]
monday = ["09:00-17:00"]
tuesday = ["09:00-17:00"]
wednesday = ["09:00-17:00"]
thursday = ["09:00-17:00"]
friday = ["09:00-17:00"]
saturday = ["10:00-14:00"]
[[services.office_hours.exceptions]]
date = 2026-12-25
name = "Christmas Day"
closed = true

[[services]]
name = "anytime"
queue = "support"
time_zone = "UTC"
default_region = "GB"
slot_minutes = 15
slot_capacity = 1
min_lead_minutes = 0
priority = 70
duplicate_policy = "replace"
max_active_per_number = 2
[services.office_hours]
monday = ["00:00-24:00"]
tuesday = ["00:00-24:00"]
wednesday = ["00:00-24:00"]
thursday = ["00:00-24:00"]
friday = ["00:00-24:00"]
saturday = ["00:00-24:00"]
sunday = ["00:00-24:00"]

[[services]]
name = "returning"
queue = "support"
time_zone = "Europe/Paris"
default_region = "FR"
types = ["immediate", "delayed"]
duplicate_policy = "return-existing"
[services.office_hours]
monday = ["00:00-24:00"]
tuesday = ["00:00-24:00"]
wednesday = ["00:00-24:00"]
thursday = ["00:00-24:00"]
friday = ["00:00-24:00"]
saturday = ["00:00-24:00"]
sunday = ["00:00-24:00"]

[[dispositions]]
code = "resolved"
label = "Resolved"

[[not_ready_reasons]]
code = "break"
label = "Break"
"""


def postgres_admin_url() -> str | None:
    """The PostgreSQL server for tests, or None (skip) when there is none outside CI."""
    url = os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL at {url} ({POSTGRES_ENV}): {exc}")
        return None
    return url


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ringback.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[str, str] | None]:
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    name = f"ringback_template_{uuid.uuid4().hex[:10]}"
    _admin(admin, f'CREATE DATABASE "{name}"')
    migrations.upgrade(_with_database(admin, name))
    yield admin, name
    _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_template: tuple[str, str] | None,
) -> Iterator[str]:
    """A fresh, migrated, empty database for this test alone."""
    if request.param == "sqlite":
        path = tmp_path / "ringback.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if postgres_template is None:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} to run the PostgreSQL variant")
    admin, template = postgres_template
    name = f"ringback_test_{uuid.uuid4().hex[:12]}"
    _admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(admin, name)
    _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def configured_db(db: Database, clock: ManualClock) -> Database:
    """A database with the test services applied."""
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(TEST_CONFIG, source="test.toml"), now=clock.now())
    return db
