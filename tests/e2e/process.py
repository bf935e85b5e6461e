"""``ringback serve`` and ``ringback switch`` as separate processes, as an operator runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.e2e.conftest import free_port


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing flushed, as when a machine dies."""
        self.process.kill()
        self.process.wait(timeout=10)


@contextmanager
def ringback_process(
    command: list[str], *, port: int, log: Path | None = None
) -> Iterator[Running]:
    """Run ``ringback <command>`` until /readyz answers 200, yield it, then stop it with
    SIGTERM (if still running); stdout and stderr go to ``log`` (``log.with_suffix('.out')``
    for stdout) when it is given, not to a terminal."""
    env = os.environ | {"RINGBACK_SCHEDULER_MAX_SLEEP_SECONDS": "0.2"}
    with ExitStack() as files:
        stderr = files.enter_context(log.open("wb")) if log else None
        stdout = files.enter_context(log.with_suffix(".out").open("wb")) if log else None
        process = subprocess.Popen(
            [sys.executable, "-m", "ringback", *command, "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
            while True:
                assert process.poll() is None, f"ringback {command[0]} exited:\n{tail(log)}"
                try:
                    if httpx.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"ringback {command[0]} did not become ready"
                time.sleep(0.1)
            yield Running(url, process)
        finally:
            if process.poll() is None:
                process.terminate()
                # uvicorn shuts down gracefully, then re-raises SIGTERM: the status tells why.
                assert process.wait(timeout=20) in (0, -signal.SIGTERM)


def tail(log: Path | None, size: int = 4000) -> str:
    """The end of a process's stderr log, for a failure message (tmp_path is not kept long)."""
    if log is None:
        return "(its output went to the terminal)"
    text = log.read_text(errors="replace") if log.exists() else ""
    return text[-size:] or "(nothing on stderr)"


@contextmanager
def ringback_node(
    database_url: str,
    *,
    switch: str | None = None,
    port: int | None = None,
    log_level: str = "warning",
    log: Path | None = None,
) -> Iterator[Running]:
    """``ringback serve`` on ``database_url``, sharing the switch service at ``switch``."""
    command = ["serve", "--db", database_url, "--log-level", log_level]
    if switch is not None:
        command += ["--switch", switch]
    with ringback_process(command, port=port or free_port(), log=log) as running:
        yield running


@contextmanager
def ringback_serve(
    database_url: str, *, log_level: str = "warning", log: Path | None = None
) -> Iterator[str]:
    """Serve until the block ends; yields the node's base URL."""
    with ringback_node(database_url, log_level=log_level, log=log) as running:
        yield running.url


@contextmanager
def ringback_switch(
    *,
    config: Path | None = None,
    driver: str = "sim",
    port: int | None = None,
    log: Path | None = None,
) -> Iterator[Running]:
    """``ringback switch --driver <driver>``, with its section of ``config``."""
    command = ["switch", "--driver", driver, "--log-level", "warning"]
    if config is not None:
        command += ["--config", str(config)]
    with ringback_process(command, port=port or free_port(), log=log) as running:
        yield running
