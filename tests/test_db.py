"""The store itself: migrations, UTC round-trips, the unit of work."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from ringback import migrations
from ringback.config.models import QueueRow
from ringback.db import Database, new_id, sync_url

pytestmark = pytest.mark.anyio


def test_migrations_reach_head(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        assert migrations.current_revision(connection) == migrations.head_revision()
    engine.dispose()


async def test_times_come_back_aware_and_in_utc(db: Database) -> None:
    paris_evening = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    async with db.transaction() as session:
        session.add(QueueRow(name="q", settings={}, active=True, updated_at=paris_evening))
    async with db.transaction() as session:
        row = (await session.scalars(select(QueueRow))).one()
    assert row.updated_at.tzinfo is not None
    assert row.updated_at.utcoffset() == timedelta(0)
    assert row.updated_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


async def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as session:
            session.add(
                QueueRow(name="q", settings={}, active=True, updated_at=datetime(2026, 1, 1))
            )


async def test_a_failed_unit_of_work_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(QueueRow(name="q", settings={}, active=True, updated_at=datetime.now(UTC)))
            await session.flush()
            raise RuntimeError("boom")
    async with db.transaction() as session:
        assert (await session.scalar(text("SELECT count(*) FROM queues"))) == 0


async def test_an_error_does_not_show_the_statement_parameters(db: Database) -> None:
    # An error's text ends up in the log; parameters hold token hashes and contacts' details.
    with pytest.raises(DBAPIError) as failed:
        async with db.transaction() as session:
            await session.execute(
                text("SELECT name FROM queues WHERE name = :name AND no_such_column = 1"),
                {"name": "shown-in-no-log"},
            )
    assert "no_such_column" in str(failed.value)
    assert "shown-in-no-log" not in str(failed.value)


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "ringback.db")
    db = Database(f"sqlite:///{tmp_path}/ringback.db")
    async with db.transaction() as session:
        assert (await session.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await session.scalar(text("PRAGMA foreign_keys"))) == 1
    await db.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
async def test_in_memory_sqlite_still_opens(url: str) -> None:
    database = Database(url)  # a file gets one pooled connection; memory keeps its own pool
    try:
        async with database.transaction() as session:
            assert await session.scalar(text("SELECT 1")) == 1
    finally:
        await database.dispose()


async def test_a_file_database_has_one_connection_per_node(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        assert database.engine.pool.size() == 1  # type: ignore[attr-defined]
    finally:
        await database.dispose()


def test_ids_are_time_ordered_uuid7() -> None:
    ids = [new_id() for _ in range(50)]
    assert all(i.version == 7 for i in ids)
    assert [i.bytes[:6] for i in ids] == sorted(i.bytes[:6] for i in ids)
    assert len(set(ids)) == 50


def test_a_schema_fits_this_version_when_current_or_newer() -> None:
    head = migrations.head_revision()
    assert migrations.schema_fit(head) is migrations.SchemaFit.CURRENT
    assert migrations.schema_fit(None) is migrations.SchemaFit.OUTDATED
    assert migrations.schema_fit("0005") is migrations.SchemaFit.OUTDATED
    # A revision this version does not know was made by a later release: served on, so that
    # nodes can be upgraded one at a time after `ringback db upgrade`.
    assert migrations.schema_fit("0042_from_a_later_release") is migrations.SchemaFit.NEWER
