"""Best time to call on simulated customers: the answer rate with and without it
(docs/reports.md, "Best time to call"). ``pytest -s`` prints the figures."""

from __future__ import annotations

import pytest
from tests.reports.best_time_support import configure, run_trial, simulated_history, store_dials

from ringback.clock import ManualClock
from ringback.db import Database

pytestmark = pytest.mark.anyio
SEED = 2026
CALLBACKS = 150


async def test_moving_delayed_callbacks_to_the_best_hour_reaches_more_customers(
    db: Database, clock: ManualClock
) -> None:
    await configure(db, clock.now())
    history = simulated_history(SEED)
    await store_dials(db, "plain", history)
    await store_dials(db, "best", history)

    without = await run_trial(db, clock, "plain", seed=SEED, callbacks_asked=CALLBACKS)
    with_it = await run_trial(db, clock, "best", seed=SEED, callbacks_asked=CALLBACKS)

    print(
        f"\nbest time to call, {CALLBACKS} delayed callbacks, seed {SEED}: "
        f"without {without.answered}/{without.calls} answered ({without.answer_rate:.1%}), "
        f"with {with_it.answered}/{with_it.calls} ({with_it.answer_rate:.1%}), "
        f"{with_it.moved} moved"
    )
    assert without.calls == with_it.calls == CALLBACKS
    assert without.moved == 0
    assert with_it.moved > CALLBACKS // 2
    assert all(r.startswith("best time to call: moved from ") for r in with_it.reasons)
    assert all(r.endswith(f"from {len(history)} calls") for r in with_it.reasons)
    assert with_it.answer_rate >= without.answer_rate + 0.15
