"""``ringback serve`` as a separate process, as an operator runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from tests.e2e.conftest import free_port


@contextmanager
def ringback_serve(
    database_url: str, *, log_level: str = "warning", log: Path | None = None
) -> Iterator[str]:
    """Serve until the block ends, then stop with SIGTERM; stdout and stderr go to ``log``
    (``log.with_suffix('.out')`` for stdout) when it is given, not to a terminal."""
    port = free_port()
    env = os.environ | {"RINGBACK_SCHEDULER_MAX_SLEEP_SECONDS": "0.2"}
    with ExitStack() as files:
        stderr = files.enter_context(log.open("wb")) if log else None
        stdout = files.enter_context(log.with_suffix(".out").open("wb")) if log else None
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
                log_level,
            ],
            env=env,
            stdout=stdout,
            stderr=stderr,
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
