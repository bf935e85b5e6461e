"""Callbacks due while no node runs are queued once, not early, when a node starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.e2e.conftest import free_port, prepare

pytestmark = pytest.mark.e2e


@contextmanager
def ringback_serve(database_url: str) -> Iterator[str]:
    """``ringback serve`` as a separate process, stopped with SIGTERM like an operator would."""
    port = free_port()
    env = os.environ | {"RINGBACK_SCHEDULER_MAX_SLEEP_SECONDS": "0.2"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ringback",
            "serve",
            "--db",
            database_url,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "ringback serve exited"
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ringback serve did not become ready"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why.
        assert process.wait(timeout=20) in (0, -signal.SIGTERM)


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
