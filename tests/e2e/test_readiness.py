"""/readyz answers within a second while the database does not answer, and recovers with it."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

import httpx
import pytest
from sqlalchemy.engine import make_url
from tests.e2e.conftest import serving

from ringback.db import sqlite_path
from ringback.settings import Settings

pytestmark = pytest.mark.e2e


class Blackhole:
    """A TCP relay to PostgreSQL that can go silent as a dead network does: it keeps accepting
    connections and reading from them, and answers nothing."""

    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._silent = False
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.add(client)
                if self._silent:
                    continue  # held open, never answered
                server = socket.create_connection(self._target)
                self._sockets.add(server)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._relay, args=(source, sink), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self._silent:
                    sink.sendall(data)
        except OSError:
            pass
        self._drop(source, sink)

    def _drop(self, *sockets: socket.socket) -> None:
        with self._lock:
            for sock in sockets:
                self._sockets.discard(sock)
                # A close alone would neither wake a relay reading it nor tell the peer.
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    @contextmanager
    def silent(self) -> Iterator[None]:
        """Answer nothing in the block; then drop the connections that went unanswered."""
        self._silent = True
        try:
            yield
        finally:
            self._silent = False
            with self._lock:
                held = list(self._sockets)
            self._drop(*held)

    def close(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            held = list(self._sockets)
        self._drop(*held)


@contextmanager
def locked(path: str) -> Iterator[None]:
    """Another process's exclusive lock on the SQLite file: no transaction of ours can start."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        connection.close()


@contextmanager
def database_that_hangs(
    database_url: str,
) -> Iterator[tuple[str, Callable[[], AbstractContextManager[None]]]]:
    """The URL a node should use, and a block in which its database does not answer."""
    path = sqlite_path(database_url)
    if path is not None:
        yield database_url, lambda: locked(path)
        return
    url = make_url(database_url)
    relay = Blackhole((url.host or "127.0.0.1", url.port or 5432))
    try:
        relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        yield relayed, relay.silent
    finally:
        relay.close()


def test_readyz_answers_503_within_a_second_while_the_database_hangs(database_url: str) -> None:
    with (
        database_that_hangs(database_url) as (url, hang),
        serving(Settings(database_url=url, scheduler_max_sleep_seconds=0.2)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        assert client.get("/readyz").json()["status"] == "ready"
        with hang():
            for _ in range(3):
                started = time.monotonic()
                answer = client.get("/readyz")
                assert time.monotonic() - started < 1.5
                assert answer.status_code == 503
                assert answer.json() == {"status": "unavailable", "database": "TimeoutError"}
            assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 20
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "/readyz did not recover with the database"
            time.sleep(0.1)
