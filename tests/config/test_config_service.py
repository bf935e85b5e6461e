"""Applying and exporting configuration against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.support import TEST_CONFIG

from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import CallbackCreate
from ringback.clock import ManualClock
from ringback.config import repository
from ringback.config.loader import parse_config
from ringback.config.models import ServiceRow
from ringback.config.service import apply_config, export_config
from ringback.db import Database
from ringback.errors import RingbackError

pytestmark = pytest.mark.anyio
WITHOUT_ANYTIME = TEST_CONFIG.replace('name = "anytime"', 'name = "anytime-2"')


async def apply(db: Database, text: str, clock: ManualClock) -> None:
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(text, source="t.toml"), now=clock.now())


async def test_export_gives_back_what_was_applied(configured_db: Database) -> None:
    async with configured_db.transaction() as session:
        exported = await export_config(session)
    assert exported == parse_config(TEST_CONFIG, source="t.toml")


async def test_reapplying_the_same_file_changes_no_timestamps(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        before = {r.name: r.updated_at for r in await repository.all_service_rows(session)}
    clock.advance(timedelta(hours=1))
    await apply(configured_db, TEST_CONFIG, clock)
    async with configured_db.transaction() as session:
        after = {r.name: r.updated_at for r in await repository.all_service_rows(session)}
    assert after == before


async def test_a_changed_service_is_seen_at_the_next_read(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        assert (await repository.service_by_name(session, "support")).config.slot_capacity == 2  # type: ignore[union-attr]
    clock.advance(timedelta(seconds=1))
    await apply(configured_db, TEST_CONFIG.replace("slot_capacity = 2", "slot_capacity = 9"), clock)
    async with configured_db.transaction() as session:
        assert (await repository.service_by_name(session, "support")).config.slot_capacity == 9  # type: ignore[union-attr]


async def test_a_removed_service_is_retired_not_deleted(
    configured_db: Database, clock: ManualClock
) -> None:
    await apply(configured_db, WITHOUT_ANYTIME, clock)
    async with configured_db.transaction() as session:
        assert await repository.service_by_name(session, "anytime") is None
        row = await session.scalar(select(ServiceRow).where(ServiceRow.name == "anytime"))
        names = [s.name for s in await repository.active_services(session)]
    assert row is not None and not row.active
    assert names == ["support", "anytime-2", "returning", "web", "preview"]
    await apply(configured_db, TEST_CONFIG, clock)  # and it can come back
    async with configured_db.transaction() as session:
        assert await repository.service_by_name(session, "anytime") is not None


async def test_a_service_with_active_callbacks_cannot_be_removed(
    configured_db: Database, clock: ManualClock
) -> None:
    async with configured_db.transaction() as session:
        await callbacks.create_callback(
            session,
            request=CallbackCreate(service="anytime", phone="+44 20 7946 0018"),
            caller=callbacks.Caller(actor="test"),
            now=clock.now(),
        )
    with pytest.raises(RingbackError) as refused:
        await apply(configured_db, WITHOUT_ANYTIME, clock)
    assert refused.value.code == "service-in-use"
    async with configured_db.transaction() as session:
        names = [s.name for s in await repository.active_services(session)]
    assert names == ["support", "anytime", "returning", "web", "preview"]
