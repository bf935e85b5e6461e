"""Callbacks due while no node runs are queued once, not early, when a node starts again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.e2e.conftest import prepare
from tests.e2e.process import ringback_serve

pytestmark = pytest.mark.e2e


def test_callbacks_due_during_downtime_are_queued_once_at_start(database_url: str) -> None:
    keys = prepare(database_url)
    headers = {"Authorization": f"Bearer {keys['all']}"}
    with ringback_serve(database_url) as url:
        now = datetime.now(UTC)
        soon = [now + timedelta(seconds=3 + n * 0.1) for n in range(5)]
        later = now + timedelta(hours=1)
        made = [
            httpx.post(
                f"{url}/api/v1/callbacks",
                headers=headers,
                json={
                    "service": "anytime",
                    "phone": f"+44 20 7946 00{n:02d}",
                    "type": "delayed",
                    "desired_time": at.isoformat(),
                },
            ).json()
            for n, at in enumerate([*soon, later])
        ]
        assert [m["state"] for m in made] == ["scheduled"] * 6
    # Nobody runs while the callbacks fall due.
    time.sleep(max(0.0, (soon[-1] - datetime.now(UTC)).total_seconds()) + 0.5)
    with ringback_serve(database_url) as url, httpx.Client(base_url=url, headers=headers) as client:
        deadline = time.monotonic() + 10
        while any(
            client.get(f"/api/v1/callbacks/{m['id']}").json()["state"] != "queued" for m in made[:5]
        ):
            assert time.monotonic() < deadline, "overdue callbacks were not queued at start-up"
            time.sleep(0.1)
        time.sleep(0.5)  # a few more scheduler passes: nothing may be queued twice
        histories = [client.get(f"/api/v1/callbacks/{m['id']}/history").json() for m in made]
        future = client.get(f"/api/v1/callbacks/{made[5]['id']}").json()
    for history, due in zip(histories[:5], soon, strict=True):
        assert [h["event"] for h in history] == ["create", "due"]
        assert datetime.fromisoformat(history[1]["at"]) >= due
    assert [h["event"] for h in histories[5]] == ["create"]
    assert future["state"] == "scheduled"
