"""Services by name as read a moment ago, so that intake need not read its service each time.

Only the Callback API's intake uses it (``POST /api/v1/callbacks``): a service changed by
``ringback config apply`` reaches it on a running node within ``SERVICE_CACHE_SECONDS``
(docs/api.md). A name that is not found is not remembered.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ringback.config.repository import Service
from ringback.recent import Recent

SERVICE_CACHE_SECONDS = 1.0


class RecentServices(Recent[Service]):
    """Active services read in the last ``seconds``, per database, by name."""

    def __init__(
        self,
        *,
        seconds: float = SERVICE_CACHE_SECONDS,
        max_entries: int = 1_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(seconds=seconds, max_entries=max_entries, monotonic=monotonic)
