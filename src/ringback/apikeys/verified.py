"""API keys verified a moment ago, kept as plain values so that a request need not read its key.

An entry is found by the SHA-256 of the secret that was verified, so only that exact secret
finds it: a key's prefix with any other secret misses and is checked against the database. An
entry lives ``KEY_CACHE_SECONDS``; a key revoked or given a new secret in this process is
forgotten at once, and one changed by another process (``ringback apikey revoke``, another
node) stops working within that time (docs/api.md).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

KEY_CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class VerifiedKey:
    """What a request needs of its key: who it is, what it may use, its budget."""

    id: int
    name: str
    services: frozenset[str] | None  # None: every service
    rate_limit_per_minute: int | None


class VerifiedKeys:
    """Keys verified in the last ``seconds``, per database, by the hash of their secret."""

    def __init__(
        self,
        *,
        seconds: float = KEY_CACHE_SECONDS,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._entries: OrderedDict[tuple[str, str], tuple[float, VerifiedKey]] = OrderedDict()

    def get(self, database: str, digest: str) -> VerifiedKey | None:
        found = self._entries.get((database, digest))
        if found is None:
            return None
        expires, key = found
        if self._monotonic() >= expires:
            del self._entries[(database, digest)]
            return None
        return key

    def put(self, database: str, digest: str, key: VerifiedKey) -> None:
        self._entries[(database, digest)] = (self._monotonic() + self.seconds, key)
        self._entries.move_to_end((database, digest))
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)  # the oldest verified

    def forget(self, database: str, key_id: int) -> None:
        """Drop every entry of a key: its next request is checked against the database."""
        stale = [
            entry
            for entry, (_, key) in self._entries.items()
            if entry[0] == database and key.id == key_id
        ]
        for entry in stale:
            del self._entries[entry]
