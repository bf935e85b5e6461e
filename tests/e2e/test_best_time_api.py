"""Best time to call over real HTTP: the service shows its settings, a delayed callback asked
through the Callback API is moved, and its history says why."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from tests.e2e.conftest import prepare, serving
from tests.reports.best_time_support import CONFIG, TRIAL_WEEK, simulated_history, store_dials

from ringback.app import create_app
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.settings import Settings

pytestmark = pytest.mark.e2e
ASKED = TRIAL_WEEK.replace(hour=9).astimezone(UTC)  # Monday 8 June 2026, 09:00 in Paris


def test_a_delayed_callback_asked_over_the_api_is_moved_and_says_why(database_url: str) -> None:
    keys = prepare(database_url, config=CONFIG, keys={"all": (["*"], None)})

    async def history() -> None:
        db = Database(database_url)
        await store_dials(db, "best", simulated_history(seed=7))
        await db.dispose()

    asyncio.run(history())
    settings = Settings(database_url=database_url, scheduler_max_sleep_seconds=0.2)
    app = create_app(settings, clock=ManualClock(ASKED))
    with (
        serving(settings, app) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {keys['all']}"}, timeout=10
        ) as api,
    ):
        best = api.get("/api/v1/services/best").json()
        assert (best["best_time_to_call"], best["best_time_window_minutes"]) == (True, 480)
        assert best["best_time_min_calls"] == 50
        assert api.get("/api/v1/services/plain").json()["best_time_to_call"] is False

        made = api.post(
            "/api/v1/callbacks",
            json={"service": "best", "phone": "+33612345678", "type": "delayed"},
        )
        assert made.status_code == 201, made.text
        callback = made.json()
        # Asked at 09:00 for 09:10, callable until 17:10: 17:00 answers best in that span.
        assert datetime.fromisoformat(callback["due_at"]) == datetime(2026, 6, 8, 15, tzinfo=UTC)
        entries = api.get(f"/api/v1/callbacks/{callback['id']}/history").json()
        moved = [e for e in entries if e["event"] == "reschedule"]
        assert len(moved) == 1 and moved[0]["actor"] == "scheduler"
        assert moved[0]["reason"].startswith("best time to call: moved from 09:10 to 17:00 ")
        assert "(Europe/Paris): answer rate " in moved[0]["reason"]

        plain = api.post(
            "/api/v1/callbacks",
            json={"service": "plain", "phone": "+33612345679", "type": "delayed"},
        ).json()
        assert datetime.fromisoformat(plain["due_at"]) == datetime(2026, 6, 8, 7, 10, tzinfo=UTC)
