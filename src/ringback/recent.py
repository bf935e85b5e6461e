"""Values read a moment ago, per database, so that a hot path need not read them each time."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """Values put in the last ``seconds``, by database and name; when more than
    ``max_entries`` are kept, the oldest put goes first."""

    def __init__(
        self,
        *,
        seconds: float,
        max_entries: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._entries: OrderedDict[tuple[str, str], tuple[float, V]] = OrderedDict()

    def get(self, database: str, name: str) -> V | None:
        found = self._entries.get((database, name))
        if found is None:
            return None
        expires, value = found
        if self._monotonic() >= expires:
            del self._entries[(database, name)]
            return None
        return value

    def put(self, database: str, name: str, value: V) -> None:
        self._entries[(database, name)] = (self._monotonic() + self.seconds, value)
        self._entries.move_to_end((database, name))
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def forget(self, database: str, drop: Callable[[V], bool]) -> None:
        """Drop the database's entries whose value ``drop`` picks."""
        stale = [
            entry
            for entry, (_, value) in self._entries.items()
            if entry[0] == database and drop(value)
        ]
        for entry in stale:
            del self._entries[entry]
