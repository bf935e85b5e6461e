"""Keys verified a moment ago are not read again (apikeys/verified.py): what that allows."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from ringback.apikeys import service
from ringback.apikeys.models import ApiKey
from ringback.apikeys.verified import VerifiedKeys
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.errors import RingbackError

pytestmark = pytest.mark.anyio


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    ticks = Ticks()
    monkeypatch.setattr(service, "VERIFIED", VerifiedKeys(monotonic=ticks))
    return ticks


async def issue(db: Database, clock: ManualClock, name: str = "crm") -> str:
    async with db.transaction() as session:
        issued = await service.create_key(
            session, name=name, services=["support"], now=clock.now(), rate_limit_per_minute=9
        )
    return issued.secret


async def verify(db: Database, secret: str) -> service.VerifiedKey:
    async with db.transaction() as session:
        return await service.verify(session, secret=secret)


async def test_a_key_revoked_elsewhere_works_until_the_cache_lifetime_ends(
    configured_db: Database, clock: ManualClock, ticks: Ticks
) -> None:
    db = configured_db
    secret = await issue(db, clock)
    key = await verify(db, secret)
    assert (key.name, key.services, key.rate_limit_per_minute) == ("crm", {"support"}, 9)
    # Another node (or `ringback apikey revoke` in its own process) revokes it in the database.
    async with db.transaction() as session:
        await session.execute(update(ApiKey).values(revoked_at=clock.now()))
    assert await verify(db, secret) == key
    ticks.now += service.VERIFIED.seconds
    with pytest.raises(RingbackError) as refused:
        await verify(db, secret)
    assert refused.value.status == 401 and "revoked" in refused.value.detail


async def test_a_key_revoked_or_rotated_on_this_node_stops_at_once(
    configured_db: Database, clock: ManualClock, ticks: Ticks
) -> None:
    db = configured_db
    secret = await issue(db, clock)
    other = await issue(db, clock, "ivr")
    await verify(db, secret)
    await verify(db, other)
    async with db.transaction() as session:
        await service.revoke_key(session, name="crm", now=clock.now())
        rotated = await service.rotate_or_create_key(
            session, name="ivr", services=["*"], now=clock.now()
        )
    for old in (secret, other):
        with pytest.raises(RingbackError):
            await verify(db, old)
    assert (await verify(db, rotated.secret)).name == "ivr"


async def test_only_the_exact_secret_finds_a_verified_key(
    configured_db: Database, clock: ManualClock, ticks: Ticks
) -> None:
    db = configured_db
    secret = await issue(db, clock)
    await verify(db, secret)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with pytest.raises(RingbackError) as refused:
        await verify(db, forged)
    assert refused.value.status == 401 and "not known" in refused.value.detail


def test_the_oldest_entries_go_first_when_the_cache_is_full() -> None:
    keys = VerifiedKeys(max_entries=2)
    entries = [service.VerifiedKey(i, f"k{i}", None, None) for i in range(3)]
    for i, entry in enumerate(entries):
        keys.put("db", f"digest{i}", entry)
    assert keys.get("db", "digest0") is None
    assert [keys.get("db", f"digest{i}") for i in (1, 2)] == entries[1:]
    assert keys.get("other-db", "digest1") is None
