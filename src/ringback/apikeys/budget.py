"""API keys' request budgets, counted in memory and shared through the database.

Every request of a key counted on the key's one row would make the requests of a busy key
queue for that row's lock, each until its own transaction commits. Instead each process counts
its requests of a key in memory and adds them to the shared row (``rate_limit_windows``, the
same bucket as before) at most every ``SHARE_SECONDS``, in a transaction of its own; the sum
the row then holds, which includes the hits of every other node, is what the next requests are
checked against, plus those counted here since.

So on one node a budget is exact. With several nodes, a key can take, over its budget, what
the other nodes took from it since they last shared: at most ``SHARE_SECONDS`` of their
requests (docs/api.md). Hits not yet shared when a process stops are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from ringback import ratelimit
from ringback.db import Database

log = structlog.get_logger(__name__)

SHARE_SECONDS = 1.0


@dataclass
class _Count:
    window_start: datetime
    shared: int = 0  # the row's hits when last written (every node's, ours included)
    pending: int = 0  # ours since, not yet added to the row
    sharing: int = 0  # ours being added now
    shared_at: float = float("-inf")  # monotonic time of the last share

    @property
    def hits(self) -> int:
        return self.shared + self.pending + self.sharing


@dataclass(frozen=True)
class Share:
    """Hits to add to a key's row, handed to :meth:`KeyBudgets.share` after the request."""

    database: str
    budget: ratelimit.Budget
    now: datetime
    hits: int


class KeyBudgets:
    """The hits of each key in this process, per database and window (see the module's text)."""

    def __init__(
        self,
        *,
        share_seconds: float = SHARE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.share_seconds = share_seconds
        self._monotonic = monotonic
        self._counts: dict[tuple[str, str], _Count] = {}

    def spend(self, database: str, budget: ratelimit.Budget, *, now: datetime) -> Share | None:
        """Count one hit, or refuse with 429 when none is left in this window. Returns the hits
        to share now, if it is time to."""
        window_start = budget.window_start(now)
        count = self._counts.get((database, budget.bucket))
        if count is None or count.window_start != window_start:
            # A new window: the last one's hits no longer matter, shared or not.
            count = self._counts[(database, budget.bucket)] = _Count(window_start)
        if count.hits >= budget.limit:
            raise ratelimit.refusal(budget, now)
        count.pending += 1
        moment = self._monotonic()
        if count.sharing or moment - count.shared_at < self.share_seconds:
            return None
        hits, count.pending, count.sharing, count.shared_at = (
            count.pending,
            0,
            count.pending,
            moment,
        )
        return Share(database, budget, now, hits)

    async def share(self, db: Database, share: Share) -> None:
        """Add the hits to the key's row and learn every node's hits; never raises (a failed
        share is tried again with the next one)."""
        count = self._counts.get((share.database, share.budget.bucket))
        try:
            async with db.transaction() as session:
                total = await ratelimit.count(session, share.budget, now=share.now, hits=share.hits)
        except Exception as exc:
            log.warning(
                "could not share an API key's hits", bucket=share.budget.bucket, error=str(exc)
            )
            if count is not None and count.window_start == share.budget.window_start(share.now):
                count.sharing -= share.hits
                count.pending += share.hits
            return
        if count is not None and count.window_start == share.budget.window_start(share.now):
            count.sharing -= share.hits
            count.shared = total


# Every key's hits in this process, for every database it serves.
KEY_BUDGETS = KeyBudgets()
