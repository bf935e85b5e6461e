"""A real server on a free port, talking HTTP, per test and per database."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from functools import cache
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from tests.support import TEST_CONFIG

from ringback.agents import repository as agent_repository
from ringback.agents.service import hash_password
from ringback.apikeys.service import create_key
from ringback.app import create_app
from ringback.clock import Clock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.settings import Settings

# name: (services, requests per minute or None for the server's default)
KEYS: dict[str, tuple[list[str], int | None]] = {
    "all": (["*"], None),
    "support-only": (["support"], None),
    "tight": (["*"], 3),
    "strict": (["*"], 2),
}


AGENTS = ("ada", "bob", "sue")
PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """Hashed once: argon2 is slow on purpose, and every test signs agents in."""
    return hash_password(PASSWORD)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    keys: dict[str, str]
    database_url: str

    def client(self, key: str | None = "all", **headers: str) -> httpx.Client:
        if key is not None:
            headers["Authorization"] = f"Bearer {self.keys[key]}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


def prepare(
    database_url: str,
    config: str = TEST_CONFIG,
    keys: dict[str, tuple[list[str], int | None]] = KEYS,
) -> dict[str, str]:
    """Apply a configuration and make the API keys; returns their secrets by name."""

    async def work() -> dict[str, str]:
        db = Database(database_url)
        now = datetime.now(UTC)
        secrets = {}
        async with db.transaction() as session:
            await apply_config(session, config=parse_config(config, source="test.toml"), now=now)
            for login in AGENTS:
                agent = await agent_repository.by_login(session, login)
                assert agent is not None
                agent.password_hash = password_hash()
            for name, (services, limit) in keys.items():
                issued = await create_key(
                    session, name=name, services=services, now=now, rate_limit_per_minute=limit
                )
                secrets[name] = issued.secret
        await db.dispose()
        return secrets

    return asyncio.run(work())


@contextmanager
def serving(settings: Settings, app: FastAPI | None = None) -> Iterator[str]:
    """Run Ringback's app (or ``app``) under uvicorn in a thread until the block ends."""
    with serving_app(app or create_app(settings)) as url:
        yield url


@contextmanager
def serving_app(app: FastAPI) -> Iterator[str]:
    """Run any ASGI app under uvicorn in a thread on a free port until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


class Inbox:
    """What a real SMTP server (aiosmtpd) received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free port, and what it received."""
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
def start_server(database_url: str) -> Iterator[Callable[..., RunningServer]]:
    """Start a server on this test's database; ``clock`` drives its time (the system clock by
    default), the other keyword arguments become Settings fields."""
    keys = prepare(database_url)
    with ExitStack() as stack:

        def start(clock: Clock | None = None, **overrides: Any) -> RunningServer:
            settings = Settings(
                database_url=database_url, scheduler_max_sleep_seconds=0.2, **overrides
            )
            app = create_app(settings, clock=clock) if clock is not None else None
            return RunningServer(stack.enter_context(serving(settings, app)), keys, database_url)

        yield start


@pytest.fixture
def server(start_server: Callable[..., RunningServer]) -> RunningServer:
    return start_server()
