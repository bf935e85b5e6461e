"""API keys verified a moment ago, kept as plain values so that a request need not read its key.

An entry is found by the SHA-256 of the secret that was verified, so only that exact secret
finds it: a key's prefix with any other secret misses and is checked against the database. An
entry lives ``KEY_CACHE_SECONDS``; a key revoked or given a new secret in this process is
forgotten at once, and one changed by another process (``ringback apikey revoke``, another
node) stops working within that time (docs/api.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ringback.recent import Recent

KEY_CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class VerifiedKey:
    """What a request needs of its key: who it is, what it may use, its budget."""

    id: int
    name: str
    services: frozenset[str] | None  # None: every service
    rate_limit_per_minute: int | None


class VerifiedKeys(Recent[VerifiedKey]):
    """Keys verified in the last ``seconds``, per database, by the hash of their secret."""

    def __init__(
        self,
        *,
        seconds: float = KEY_CACHE_SECONDS,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(seconds=seconds, max_entries=max_entries, monotonic=monotonic)

    def forget_key(self, database: str, key_id: int) -> None:
        """Drop every entry of a key: its next request is checked against the database."""
        self.forget(database, lambda key: key.id == key_id)
