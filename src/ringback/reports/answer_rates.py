"""Dials and answers by local weekday and hour: the answer-rate report's figures, and the
history the best time to call (callbacks/best_time.py) reads, for a service or one number."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.recent import Recent
from ringback.reports import repository
from ringback.reports.repository import QUARTER_SECONDS, Scope
from ringback.scheduling.best_time import AnswerHistory, AnswerModel, Cell, Tally
from ringback.telephony.switch import DialResult

# How far back the best time to call reads, and how long a service's figures are kept.
HISTORY = timedelta(weeks=8)
RATES_CACHE_SECONDS = 60.0


async def tally(session: AsyncSession, scope: Scope, zone: ZoneInfo) -> dict[Cell, Tally]:
    """Dials that ended in the scope and those answered, by weekday and hour in ``zone``."""
    counts: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])
    for row in await repository.dial_results(session, scope):
        start = datetime.fromtimestamp(scope.first_quarter + row.quarter * QUARTER_SECONDS, UTC)
        local = max(start, scope.start).astimezone(zone)
        cell = counts[local.weekday(), local.hour]
        cell[0] += row.count
        if row.result == DialResult.ANSWERED:
            cell[1] += row.count
    return {cell: Tally(attempts, answered) for cell, (attempts, answered) in counts.items()}


class RecentAnswerRates:
    """A service's answer history read at most once every ``seconds`` per database, and a
    number's, for the best time to call."""

    def __init__(
        self,
        *,
        seconds: float = RATES_CACHE_SECONDS,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._recent: Recent[AnswerHistory] = Recent(
            seconds=seconds, max_entries=max_entries, monotonic=monotonic
        )

    async def __call__(
        self,
        session: AsyncSession,
        *,
        service_id: int,
        zone: ZoneInfo,
        phone: str,
        now: datetime,
        min_calls: int,
    ) -> AnswerModel | None:
        """The model of the number's answer rate, or None while the service has fewer than
        ``min_calls`` dials in its history."""
        database = str(session.get_bind().engine.url)
        service = await self._history(
            session,
            database,
            f"service:{service_id}",
            Scope(now - HISTORY, now, frozenset({service_id})),
            zone,
        )
        if service.attempts < min_calls:
            return None
        number = await self._history(
            session,
            database,
            f"number:{service_id}:{phone}",
            Scope(now - HISTORY, now, frozenset({service_id}), phone=phone),
            zone,
        )
        return AnswerModel(zone, service, number)

    async def _history(
        self, session: AsyncSession, database: str, key: str, scope: Scope, zone: ZoneInfo
    ) -> AnswerHistory:
        found = self._recent.get(database, key)
        if found is None:
            found = AnswerHistory(await tally(session, scope, zone))
            self._recent.put(database, key, found)
        return found


# The one the Callback API and the compatibility surfaces' intake use.
ANSWER_RATES = RecentAnswerRates()
