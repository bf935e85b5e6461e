"""Dials and answers by local weekday and hour, for a service or one of its numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.reports.best_time_support import PARIS, configure, store_dials
from tests.reports.conftest import service_ids

from ringback.clock import ManualClock
from ringback.db import Database
from ringback.reports.answer_rates import tally
from ringback.reports.repository import Scope
from ringback.scheduling.best_time import Tally

pytestmark = pytest.mark.anyio
MONDAY_NINE = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 in Paris


async def test_a_numbers_dials_are_counted_apart_from_the_services(
    db: Database, clock: ManualClock
) -> None:
    await configure(db, clock.now())
    # One number: answered at 09:00 and 09:30, not at 18:00; another: not at 09:10.
    await store_dials(
        db,
        "best",
        [
            (MONDAY_NINE, True),
            (MONDAY_NINE + timedelta(minutes=30), True),
            (MONDAY_NINE + timedelta(hours=9), False),
        ],
        phone="+33612345678",
    )
    await store_dials(db, "best", [(MONDAY_NINE + timedelta(minutes=10), False)])
    await store_dials(db, "plain", [(MONDAY_NINE, True)], phone="+33612345678")
    async with db.transaction() as session:
        best = frozenset({(await service_ids(session))["best"][0]})
        week = (MONDAY_NINE - timedelta(days=1), MONDAY_NINE + timedelta(days=6))
        service = await tally(session, Scope(*week, service_ids=best), PARIS)
        number = await tally(session, Scope(*week, service_ids=best, phone="+33612345678"), PARIS)
        other = await tally(session, Scope(*week, service_ids=best, phone="+33600000000"), PARIS)
    assert service == {(0, 9): Tally(3, 2), (0, 18): Tally(1, 0)}
    assert number == {(0, 9): Tally(2, 2), (0, 18): Tally(1, 0)}
    assert other == {}
