"""Per-key budgets counted in memory and shared through the database (apikeys/budget.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.conftest import T0

from ringback import ratelimit
from ringback.apikeys.budget import KeyBudgets, Share
from ringback.apikeys.models import RateLimitWindow
from ringback.db import Database
from ringback.errors import RingbackError

pytestmark = pytest.mark.anyio

BUDGET = ratelimit.Budget("key:7", 5, timedelta(minutes=1), "API key crm")


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def spend(node: KeyBudgets, db: Database, *, seconds: float = 0) -> Share | None:
    return node.spend(db.url, BUDGET, now=T0 + timedelta(seconds=seconds))


async def stored_hits(db: Database) -> int | None:
    async with db.transaction() as session:
        return await session.scalar(
            select(RateLimitWindow.hits).where(RateLimitWindow.bucket == BUDGET.bucket)
        )


async def test_one_node_refuses_exactly_past_the_budget_and_shares_about_once_a_second(
    db: Database,
) -> None:
    ticks = Ticks()
    node = KeyBudgets(monotonic=ticks)
    first = spend(node, db)
    assert first is not None and first.hits == 1  # a key's first request is shared at once
    await node.share(db, first)
    assert [spend(node, db) for _ in range(3)] == [None, None, None]  # within the second
    assert await stored_hits(db) == 1
    ticks.now += 1.0
    fifth = spend(node, db)
    assert fifth is not None and fifth.hits == 4
    await node.share(db, fifth)
    assert await stored_hits(db) == 5
    with pytest.raises(RingbackError) as refused:
        spend(node, db, seconds=5)
    assert refused.value.status == 429 and refused.value.code == "rate-limited"
    assert refused.value.extra["retry_after"] == 55
    # A refused request is not counted, and a new window starts from nothing.
    ticks.now += 1.0
    assert spend(node, db, seconds=60) is not None


async def test_two_nodes_learn_each_others_hits_and_overshoot_by_what_one_did_since(
    db: Database,
) -> None:
    ticks = Ticks()
    node_a, node_b = KeyBudgets(monotonic=ticks), KeyBudgets(monotonic=ticks)
    for _ in range(3):
        share = spend(node_a, db)
        if share is not None:
            await node_a.share(db, share)
    ticks.now += 1.0
    share = spend(node_a, db)  # a's three hits (and this one) go to the row
    assert share is not None
    await node_a.share(db, share)
    assert await stored_hits(db) == 4
    # b knew nothing of them: its first request passes and learns the row's four.
    share = spend(node_b, db)
    assert share is not None
    await node_b.share(db, share)
    assert await stored_hits(db) == 5
    with pytest.raises(RingbackError):
        spend(node_b, db)
    # a learns b's hit at its next share; until then it may take one more (within a second).
    assert spend(node_a, db) is None
    ticks.now += 1.0
    with pytest.raises(RingbackError):
        spend(node_a, db)  # 4 shared + 1 pending: the budget of 5 is spent as far as a knows
    assert await stored_hits(db) == 5


async def test_a_share_that_fails_keeps_its_hits_for_the_next_one(db: Database) -> None:
    ticks = Ticks()
    node = KeyBudgets(monotonic=ticks)
    share = spend(node, db)
    assert share is not None
    await db.dispose()
    unreachable = Database("postgresql://nobody@127.0.0.1:9/none")
    try:
        await node.share(unreachable, share)  # logged, never raised
    finally:
        await unreachable.dispose()
    ticks.now += 1.0
    again = spend(node, db)
    assert again is not None and again.hits == 2  # the failed one's hit and this one
    await node.share(db, again)
    assert await stored_hits(db) == 2
