"""Intake takes its service as read at most a second ago (callbacks/recent_services.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from ringback.callbacks import service
from ringback.callbacks.recent_services import RecentServices
from ringback.config.models import ServiceRow
from ringback.db import Database
from ringback.errors import RingbackError

pytestmark = pytest.mark.anyio

CALLER = service.Caller(actor="test")


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def read(db: Database, recent: RecentServices, name: str) -> int:
    async with db.transaction() as session:
        found = await service.service_for(session, name=name, caller=CALLER, recent=recent)
    return found.id


async def test_a_service_taken_out_is_seen_within_the_cache_lifetime(
    configured_db: Database,
) -> None:
    ticks = Ticks()
    recent = RecentServices(monotonic=ticks)
    support = await read(configured_db, recent, "support")
    # `ringback config apply` on another node drops the service.
    async with configured_db.transaction() as session:
        await session.execute(update(ServiceRow).values(active=False))
    assert await read(configured_db, recent, "support") == support
    ticks.now += recent.seconds
    with pytest.raises(RingbackError) as gone:
        await read(configured_db, recent, "support")
    assert gone.value.code == "service-not-found"


async def test_an_unknown_name_is_not_remembered_and_scope_is_checked_every_time(
    configured_db: Database,
) -> None:
    recent = RecentServices(monotonic=Ticks())
    with pytest.raises(RingbackError) as missing:
        await read(configured_db, recent, "no-such-service")
    assert missing.value.code == "service-not-found"
    await read(configured_db, recent, "support")
    async with configured_db.transaction() as session:
        with pytest.raises(RingbackError) as forbidden:
            await service.service_for(
                session,
                name="support",
                caller=service.Caller(actor="k", services=frozenset({"cards"})),
                recent=recent,
            )
    assert forbidden.value.code == "service-forbidden"
