"""Services by name as read a moment ago, so that intake need not read its service each time.

Only the Callback API's intake uses it (``POST /api/v1/callbacks``): a service changed by
``ringback config apply`` reaches it on a running node within ``SERVICE_CACHE_SECONDS``
(docs/api.md). A name that is not found is not remembered.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ringback.config.repository import Service

SERVICE_CACHE_SECONDS = 1.0


class RecentServices:
    """Active services read in the last ``seconds``, per database, by name."""

    def __init__(
        self,
        *,
        seconds: float = SERVICE_CACHE_SECONDS,
        max_entries: int = 1_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[tuple[str, str], tuple[float, Service]] = {}

    def get(self, database: str, name: str) -> Service | None:
        found = self._entries.get((database, name))
        if found is None:
            return None
        expires, service = found
        if self._monotonic() >= expires:
            del self._entries[(database, name)]
            return None
        return service

    def put(self, database: str, name: str, service: Service) -> None:
        if len(self._entries) >= self._max_entries:
            self._entries.clear()  # many databases or names: start again rather than grow
        self._entries[(database, name)] = (self._monotonic() + self.seconds, service)
