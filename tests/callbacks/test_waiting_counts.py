"""The waiting counts kept by triggers and folds, against counting the callbacks themselves;
and a callback's place in its queue. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from tests.contacts.test_contacts_schema import _tables_named
from tests.supervisor.test_supervisor_service import request
from tests.support import set_ready

from ringback import migrations
from ringback.callbacks import repository
from ringback.callbacks.models import Callback, waiting_changes
from ringback.callbacks.repository import WaitingCount
from ringback.callbacks.states import WAITING_LIST_STATES, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database, sync_url
from ringback.models import metadata
from ringback.routing.engine import RoutingEngine

pytestmark = pytest.mark.anyio

S = CallbackState
TABLES = {"callback_waiting_counts", "callback_waiting_changes"}
# The indexes migration 0013 makes or remakes, as the model declares them.
INDEXES = {
    "ix_callbacks_queue_position": ["queue_id", "state", "priority", "queued_at", "id"],
    "ix_callbacks_oldest_by_service": ["service_id", "queued_at"],
    "ix_callbacks_late_by_service": ["service_id", "desired_time", "state", "attempts"],
    "ix_callbacks_next_due_by_service": ["service_id", "state", "due_at"],
}
COUNTS_REVISION = "0013"  # the migration that adds the counts and their triggers
# Where the workers below move callbacks: every waiting state and two that are not.
MOVES = (S.SCHEDULED, S.QUEUED, S.OFFERED, S.COMPLETED, S.CANCELLED)


async def counted(session: AsyncSession) -> set[WaitingCount]:
    """What waiting_counts must say: the callbacks counted one by one."""
    rows = await session.execute(
        select(
            Callback.service_id,
            Callback.state,
            func.count(),
            func.min(Callback.queued_at),
            func.min(Callback.due_at),
        )
        .where(Callback.state.in_(WAITING_LIST_STATES))
        .group_by(Callback.service_id, Callback.state)
    )
    # The oldest queued_at is the queued callbacks' (the others' is not asked for).
    return {
        WaitingCount(service, state, n, oldest if state == S.QUEUED else None, due)
        for service, state, n, oldest, due in rows
    }


async def pending_changes(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(waiting_changes)) or 0)


async def fold(db: Database) -> None:
    async with db.transaction() as session:
        await repository.fold_waiting_changes(session)


async def test_counts_follow_intake_routing_and_cancels_before_and_after_a_fold(
    configured_db: Database, clock: ManualClock
) -> None:
    made = [await request(configured_db, clock, phone=f"+44 20 7946 00{n:02d}") for n in range(4)]
    await request(configured_db, clock, service="support", phone="+44 20 7946 0090")
    for hours, phone in ((5, "+44 20 7946 0091"), (3, "+44 20 7946 0092")):
        await request(
            configured_db,
            clock,
            phone=phone,
            type="scheduled",
            desired_time=(clock.now() + timedelta(hours=hours)).isoformat(),
        )
    await set_ready(configured_db, clock, "bob")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    async with configured_db.transaction() as session:
        await session.execute(
            update(Callback).where(Callback.id == made[3].id).values(state=S.CANCELLED)
        )

    async with configured_db.transaction() as session:
        before_fold = set(await repository.waiting_counts(session))
        truth = await counted(session)
    assert before_fold == truth
    # Seven requested, one cancelled, one of them offered to Bob.
    assert sum(row.count for row in truth) == 6
    assert sum(row.count for row in truth if row.state is S.OFFERED) == 1
    assert sum(row.count for row in truth if row.state is S.SCHEDULED) == 2
    assert await pending_changes(configured_db) > 0

    await fold(configured_db)
    await fold(configured_db)  # nothing left: a second fold changes nothing
    assert await pending_changes(configured_db) == 0
    async with configured_db.transaction() as session:
        assert set(await repository.waiting_counts(session)) == truth


async def test_counts_stay_exact_under_concurrent_changes_rollbacks_and_folds(
    configured_db: Database, clock: ManualClock
) -> None:
    ids = [
        (await request(configured_db, clock, phone=f"+44 20 7946 1{n:03d}")).id for n in range(12)
    ]
    rng = random.Random(7)
    checks: list[bool] = []

    async def worker(seed: int) -> None:
        mine = random.Random(seed)
        for _ in range(30):
            try:
                async with configured_db.transaction() as session:
                    for callback_id in sorted(mine.sample(ids, 2)):  # no deadlock
                        await session.execute(
                            update(Callback)
                            .where(Callback.id == callback_id)
                            .values(state=mine.choice(MOVES), version=Callback.version + 1)
                        )
                    if mine.random() < 0.25:
                        raise RuntimeError("rolled back")  # its changes must not count
            except RuntimeError:
                pass
            await asyncio.sleep(0)

    async def folder() -> None:
        for _ in range(20):
            await fold(configured_db)
            await asyncio.sleep(0)

    async def checker() -> None:
        # Both readings in one snapshot, where the engine gives one to a transaction.
        async with configured_db.engine.connect() as connection:
            if configured_db.dialect == "postgresql":
                connection = await connection.execution_options(isolation_level="REPEATABLE READ")
            for _ in range(15):
                async with connection.begin():
                    session = AsyncSession(bind=connection)
                    found = set(await repository.waiting_counts(session))
                    checks.append(found == await counted(session))
                    await session.close()
                await asyncio.sleep(0)

    await asyncio.gather(
        *(worker(rng.randrange(1_000_000)) for _ in range(4)), folder(), folder(), checker()
    )
    assert checks and all(checks)
    async with configured_db.transaction() as session:
        assert set(await repository.waiting_counts(session)) == await counted(session)
    await fold(configured_db)
    async with configured_db.transaction() as session:
        assert set(await repository.waiting_counts(session)) == await counted(session)


async def test_the_migration_counts_the_callbacks_already_waiting(
    configured_db: Database, database_url: str, clock: ManualClock
) -> None:
    for n in range(3):
        await request(configured_db, clock, phone=f"+44 20 7946 20{n:02d}")
    await configured_db.dispose()
    config = migrations.alembic_config(sync_url(database_url))
    before = ScriptDirectory.from_config(config).get_revision(COUNTS_REVISION).down_revision
    assert isinstance(before, str)
    await asyncio.to_thread(command.downgrade, config, before)
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await pending_changes(configured_db) == 0  # counted by the migration, not by changes
    async with configured_db.transaction() as session:
        found = await repository.waiting_counts(session)
        assert set(found) == await counted(session)
    assert [row.count for row in found] == [3]
    await request(configured_db, clock, phone="+44 20 7946 2099")  # the triggers are back
    async with configured_db.transaction() as session:
        assert [row.count for row in await repository.waiting_counts(session)] == [4]


async def test_position_counts_higher_priorities_then_earlier_then_smaller_ids(
    configured_db: Database, clock: ManualClock
) -> None:
    made = [await request(configured_db, clock, phone=f"+44 20 7946 30{n:02d}") for n in range(5)]
    same_time = clock.now()
    ordered = sorted(made[:3], key=lambda c: c.id)
    async with configured_db.transaction() as session:
        # Three queued at the same instant: the id decides; one above them all on priority.
        for callback in made[:3]:
            await session.execute(
                update(Callback).where(Callback.id == callback.id).values(queued_at=same_time)
            )
        await session.execute(
            update(Callback)
            .where(Callback.id == made[4].id)
            .values(priority=made[4].priority + 10, queued_at=same_time + timedelta(hours=1))
        )
        await session.execute(
            update(Callback)
            .where(Callback.id == made[3].id)
            .values(queued_at=same_time - timedelta(minutes=1))
        )
    async with configured_db.transaction() as session:
        ahead = {}
        for callback in made:
            found = await session.get(Callback, callback.id)
            assert found is not None
            ahead[found.id] = await repository.count_ahead(session, found)
    assert ahead[made[4].id] == 0
    assert ahead[made[3].id] == 1
    assert [ahead[c.id] for c in ordered] == [2, 3, 4]


def test_the_migrated_counts_and_indexes_match_the_models(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, metadata) if _tables_named(d) & TABLES]
        migrated = {
            index["name"]: index["column_names"]
            for index in inspect(connection).get_indexes("callbacks")
        }
    engine.dispose()
    assert differences == []
    declared = {
        index.name: [column.name for column in index.columns]
        for index in metadata.tables["callbacks"].indexes
    }
    assert {name: migrated.get(name) for name in INDEXES} == INDEXES
    assert {name: declared.get(name) for name in INDEXES} == INDEXES
