"""SQLite is the single-node store: one serving node per database file, refused beyond that.

A node serving a SQLite file holds an exclusive lock on ``<file>.node-lock`` for as long as it
runs; the kernel lets go of it when the process ends, however it ends, so a node that was
killed never blocks the next. Commands (``ringback apikey``, ``config apply``...) take no lock:
they may run beside the node. Several nodes share a PostgreSQL database instead.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from ringback.db import sqlite_path
from ringback.errors import RingbackError


class NodeLock:
    """The claim of one node on a SQLite file; nothing for PostgreSQL or in-memory SQLite."""

    def __init__(self, database_url: str) -> None:
        path = sqlite_path(database_url)
        self.path = Path(f"{path}.node-lock") if path else None
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the file, or refuse: another node serves it."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RingbackError(
                "database-in-use",
                f"{holder} already serves the SQLite database next to {self.path}; SQLite "
                "is for one node: stop it first, or run several nodes on PostgreSQL",
                status=409,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"ringback node (pid {os.getpid()})\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None
