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
from tests.support import TEST_CONFIG

from ringback import migrations
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database

# The SIP lab's fixtures (sip_registrar, sip_phones), for any test that places real calls.
pytest_plugins = ["tests.sip.fixtures"]

POSTGRES_ENV = "RINGBACK_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# A Monday morning in New York, far from any DST change.
T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


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
        await apply_config(
            session, config=parse_config(TEST_CONFIG, source="test.toml"), now=clock.now()
        )
    return db
