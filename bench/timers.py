"""Timers: the product's ``Timers`` loop queueing callbacks as they fall due, then a backlog.

Delayed callbacks are written in bulk with the columns ``create_callback`` writes (state
``scheduled``, a ``due_at``): N due over a window that starts a little after staging, and M more
due a day or more later. ``Timers.run()`` (SystemClock) runs as a task against the scratch
database until every due callback is queued; the ``due`` rows of ``callback_history`` are read
back. Lateness is ``history.at - due_at`` (``at`` is the clock reading the pass ran at; the
callback's ``queued_at`` is its ``due_at``).

Then a restart with a backlog: K callbacks already overdue are staged in the same database and
``Timers.run_once()`` is timed until they are all queued. The drain rate is set beside the
routing rate measured in the same run (the routing scenario at the same size), so that the
timers are never what holds a backlog back from the agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from bench import routing
from bench.common import ScenarioResult, percentile, scratch_database
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.states import CallbackEvent
from ringback.clock import SystemClock
from ringback.config.models import ServiceRow
from ringback.db import Database
from ringback.metrics import Metrics
from ringback.timers import Timers

# due in the window, window seconds, stored in the future, overdue backlog
SIZES = {
    "tiny": (200, 5.0, 1_000, 200),
    "small": (2_000, 20.0, 20_000, 1_000),
    "full": (10_000, 60.0, 100_000, 5_000),
}
LEAD = timedelta(seconds=1)  # the window starts this long after the due rows are staged
GRACE = 10.0  # seconds after the window ends before giving up on missing rows
CHUNK = 1000


def run(db: str, size: str) -> ScenarioResult:
    due, window, future, backlog = SIZES[size]
    result = ScenarioResult(
        "timers",
        db,
        size,
        {"due": due, "window_s": window, "future": future, "backlog": backlog, "batch": 500},
    )
    with scratch_database(db) as scratch:
        outcome = asyncio.run(measure(scratch.url, due, window, future, backlog))
    late = outcome["lateness"]
    result.add("due", float(due), "callbacks")
    result.add("queued", float(len(late)), "callbacks")
    result.add("lateness p50", percentile(late, 50), "s")
    p99 = percentile(late, 99)
    result.add("lateness p99", p99, "s", target="<= 1 s", met=p99 is not None and p99 <= 1.0)
    result.add("lateness max", max(late) if late else None, "s")
    for name in ("early", "skipped", "doubled"):
        count = outcome[name]
        result.add(name, float(count), "callbacks", target="0", met=count == 0)
    drained = outcome["backlog queued"]
    elapsed = outcome["backlog seconds"]
    result.add("backlog queued", float(drained), "callbacks", target=f"{backlog}")
    result.figures[-1].met = drained == backlog and outcome["backlog doubled"] == 0
    drain = drained / elapsed if elapsed else None
    routing_rate = routing.offers_per_second(db, size)
    result.add(
        "backlog drain",
        drain,
        "callbacks/s",
        baseline=routing_rate,
        target=">= 0.8x the routing rate",
        met=drain is not None and routing_rate is not None and drain >= 0.8 * routing_rate,
    )
    result.add("backlog drain time", elapsed, "s")
    result.notes.append(
        f"{due} delayed callbacks due over {window:g} s starting {LEAD.total_seconds():g} s "
        f"after staging (first due {outcome['headroom']:.2f} s after the loop started), "
        f"{future} more due a day or more later; Timers.run() with SystemClock, batch 500; "
        "lateness = callback_history.at of the 'due' row - due_at"
    )
    result.notes.append(
        f"backlog: {backlog} callbacks overdue by up to an hour, staged after the run beside "
        f"the {future} future ones; Timers.run_once() timed until all are queued"
    )
    return result


def _rows(service: ServiceRow, now: datetime, dues: list[datetime], tag: int) -> list[Any]:
    return [
        {
            "id": uuid.uuid4(),
            "service_id": service.id,
            "queue_id": service.queue_id,
            "phone": f"+1{tag:03d}{number:07d}",
            "customer_name": f"Customer {number}",
            "customer_time_zone": "America/New_York",
            "type": "delayed",
            "channel": "web",
            "state": "scheduled",
            "desired_time": due_at,
            "due_at": due_at,
            "queued_at": None,
            "priority": 50,
            "attempts": 0,
            "data": {"topic": "billing"},
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for number, due_at in enumerate(dues)
    ]


async def _stage(db: Database, rows: list[Any]) -> dict[uuid.UUID, datetime]:
    async with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(Callback), rows[start : start + CHUNK])
    return {row["id"]: row["due_at"] for row in rows}


async def _service(db: Database) -> ServiceRow:
    async with db.transaction() as session:
        return (await session.scalars(select(ServiceRow))).one()


async def _due_history(db: Database, ids: set[uuid.UUID]) -> list[tuple[uuid.UUID, datetime]]:
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(CallbackHistory.callback_id, CallbackHistory.at).where(
                    CallbackHistory.event == CallbackEvent.DUE
                )
            )
        ).all()
    return [(callback_id, at) for callback_id, at in rows if callback_id in ids]


async def _count_due(db: Database) -> int:
    async with db.transaction() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(CallbackHistory)
                .where(CallbackHistory.event == CallbackEvent.DUE)
            )
            or 0
        )


async def measure(url: str, due: int, window: float, future: int, backlog: int) -> dict[str, Any]:
    clock = SystemClock()
    db = Database(url)
    try:
        service = await _service(db)
        now = clock.now()
        later = [now + timedelta(days=1, seconds=i * 86_400 / future) for i in range(future)]
        stored = await _stage(db, _rows(service, now, later, 200))
        now = clock.now()
        start = now + LEAD
        step = window / due
        dues = [start + timedelta(seconds=i * step) for i in range(due)]
        staged = await _stage(db, _rows(service, now, dues, 100))

        timers = Timers(db, clock, Metrics())
        task = asyncio.create_task(timers.run())
        headroom = (start - clock.now()).total_seconds()
        deadline = time.monotonic() + headroom + window + GRACE
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.25)
                if await _count_due(db) >= due:
                    break
            await asyncio.sleep(0.5)  # room for a second, wrongful pass to show up as doubled
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        every = {**stored, **staged}
        history = await _due_history(db, set(every))
        counts = Counter(callback_id for callback_id, _ in history)
        first: dict[uuid.UUID, datetime] = {}
        for callback_id, at in sorted(history, key=lambda row: row[1]):
            if callback_id in staged:
                first.setdefault(callback_id, at)
        lateness = [(at - staged[callback_id]).total_seconds() for callback_id, at in first.items()]
        early = sum(1 for callback_id, at in history if at < every[callback_id])

        # A restart with a backlog: overdue callbacks, then run_once() until all are queued.
        now = clock.now()
        overdue = [now - timedelta(seconds=3600 * (backlog - i) / backlog) for i in range(backlog)]
        behind = await _stage(db, _rows(service, now, overdue, 300))
        restarted = Timers(db, clock, Metrics())
        began = time.perf_counter()
        done = 0
        while done < backlog:
            made = await restarted.run_once()
            if made == 0:
                break
            done += made
        elapsed = time.perf_counter() - began
        drained = Counter(callback_id for callback_id, _ in await _due_history(db, set(behind)))
    finally:
        await db.dispose()
    return {
        "lateness": lateness,
        "early": early,
        "skipped": due - len(first),
        "doubled": sum(1 for n in counts.values() if n > 1),
        "headroom": headroom,
        "backlog queued": len(drained),
        "backlog doubled": sum(1 for n in drained.values() if n > 1),
        "backlog seconds": elapsed,
    }
