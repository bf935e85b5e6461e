"""The SQL behind the API at scale: each repository query, its plan, and how long it takes.

Every query is produced by calling the product's repository function on a scratch database
while an engine listener records the statements it sends; each statement is then explained
(``EXPLAIN (FORMAT JSON)`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite) with the same
parameters, and the call is timed in-process (median of a few runs, after one warm-up).

A plan *scans* when it reads a whole table or a whole index of ``callbacks`` or
``callback_history``: a sequential scan, an index walked without a condition (unless it feeds a
``LIMIT`` in index order with nothing to filter), or a sort of every matching row to return the
first few (a ``LIMIT`` above a sort; on PostgreSQL, of more than ``SORTED_ROWS`` estimated
rows), unless the query is *bounded*: its matches are one callback's or one number's rows,
which stay few however many are stored. ``slot_bookings`` holds a row per slot within the
booking horizon, so its size does not depend on the callbacks stored.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks import repository, waits
from ringback.callbacks.models import Callback
from ringback.callbacks.states import ACTIVE_STATES, WAITING_LIST_STATES, CallbackState
from ringback.clock import SystemClock
from ringback.db import Database
from ringback.supervisor import repository as supervision

TABLES = frozenset({"callbacks", "callback_history"})
SORTED_ROWS = 1_000
RUNS = 5
# Below this many callbacks PostgreSQL rightly prefers a sequential scan for some queries; there
# the check is whether an index plan exists at all (asked with enable_seqscan off).
SMALL_TABLE = 50_000
PASS_THROUGH = frozenset({"LockRows", "Result"})  # a Limit above these still stops the scan


@dataclass(frozen=True)
class Inputs:
    service_id: int
    handled: uuid.UUID
    queued: uuid.UUID
    phone: str
    now: datetime


@dataclass(frozen=True)
class Finding:
    name: str
    milliseconds: float | None
    scans: bool | None
    plan: str


Query = Callable[[AsyncSession, Inputs], Awaitable[Any]]
BOUNDED = frozenset({"callback history", "list by phone", "create: duplicate check"})


async def _position(session: AsyncSession, given: Inputs) -> int:
    callback = await session.get(Callback, given.queued)
    assert callback is not None
    return await repository.count_ahead(session, callback)


async def _recent_steps(session: AsyncSession, given: Inputs) -> Any:
    callback = await session.get(Callback, given.queued)
    assert callback is not None
    return await repository.recent_steps(
        session,
        queue_id=callback.queue_id,
        since=given.now - waits.RECENT_WINDOW,
        limit=waits.RECENT_LIMIT,
    )


async def _next_page(session: AsyncSession, given: Inputs) -> Any:
    callback = await session.get(Callback, given.handled)
    assert callback is not None
    return await repository.page(
        session,
        service_ids=None,
        phone=None,
        state=None,
        after=(callback.created_at, callback.id),
        limit=51,
    )


def _page(**filters: Any) -> Query:
    async def query(session: AsyncSession, given: Inputs) -> Any:
        arguments: dict[str, Any] = {"service_ids": None, "phone": None, "state": None}
        for name, value in filters.items():
            arguments[name] = value(given) if callable(value) else value
        return await repository.page(session, after=None, limit=51, **arguments)

    return query


WAITING = supervision.WaitingFilter(WAITING_LIST_STATES)

# What the API, the timers and the routing engine ask of the callbacks table.
QUERIES: dict[str, Query] = {
    "get callback": lambda s, g: repository.get(s, g.handled),
    "callback history": lambda s, g: repository.history(s, g.handled),
    "queue position": _position,
    "queue's recent history (wait estimate)": _recent_steps,
    "list newest": _page(),
    "list next page": _next_page,
    "list by state": _page(state=CallbackState.QUEUED),
    "list by service": _page(service_ids=lambda g: [g.service_id]),
    "list by service and state": _page(
        service_ids=lambda g: [g.service_id], state=CallbackState.QUEUED
    ),
    "list by phone": _page(phone=lambda g: g.phone),
    "supervisor waiting": lambda s, g: supervision.waiting_in_time_order(
        s, where=WAITING, after=None, descending=False, limit=101
    ),
    "supervisor waiting by service": lambda s, g: supervision.waiting_in_time_order(
        s,
        where=supervision.WaitingFilter(WAITING_LIST_STATES, service_id=g.service_id),
        after=None,
        descending=False,
        limit=101,
    ),
    "supervisor waiting, most recent": lambda s, g: supervision.waiting_in_time_order(
        s, where=WAITING, after=None, descending=True, limit=101
    ),
    "supervisor waiting count": lambda s, g: supervision.count_waiting(s, where=WAITING),
    "supervisor waiting by priority": lambda s, g: supervision.waiting_keys(s, where=WAITING),
    "supervisor late": lambda s, g: supervision.late_counts(
        s, {g.service_id: g.now - timedelta(minutes=5)}
    ),
    "supervisor activity": lambda s, g: supervision.transitions_since(
        s, start=g.now - timedelta(hours=4), bucket_seconds=300, service_id=None
    ),
    "supervisor queues": lambda s, g: repository.waiting_counts(s),
    "create: duplicate check": lambda s, g: repository.active_for_phone(
        s, service_id=g.service_id, phone=g.phone
    ),
    "active per service": lambda s, g: repository.count_active_for_service(s, g.service_id),
    "open slots": lambda s, g: repository.bookings(
        s, service_id=g.service_id, start=g.now, end=g.now + timedelta(days=7)
    ),
    "timers due": lambda s, g: repository.due(s, now=g.now, limit=500),
    "timers next due": lambda s, g: repository.next_due_at(s),
    "routing head": lambda s, g: repository.queued_for_routing(s, limit=200),
    "metrics counts by state": lambda s, g: repository.counts_by_state(s, ACTIVE_STATES),
}


class Recorder:
    """The SELECTs an engine sends while ``on`` is set."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, *args: Any) -> None:
        _, _, statement, parameters, _, _ = args
        if self.on and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))


async def findings(url: str, given: Inputs, stored: int) -> list[Finding]:
    """Plan and time every query in ``QUERIES`` against the database at ``url``."""
    db = Database(url, pool_size=1)
    recorder = Recorder(db)
    found = []
    try:
        for name, query in QUERIES.items():
            try:
                found.append(await _one(db, recorder, name, query, given, stored))
            except Exception as exc:  # a changed repository signature must not stop the run
                found.append(Finding(name, None, None, f"not measured: {exc!r}"[:200]))
    finally:
        await db.dispose()
    return found


async def _one(
    db: Database, recorder: Recorder, name: str, query: Query, given: Inputs, stored: int
) -> Finding:
    async with db.transaction() as session:
        # Held, so that session.get() of a query's input row is answered from the session.
        inputs = [await session.get(Callback, i) for i in (given.handled, given.queued)]
        await query(session, given)  # warm-up
        recorder.statements.clear()
        recorder.on = True
        try:
            await query(session, given)
        finally:
            recorder.on = False
        del inputs
    statements = list(recorder.statements)
    times = []
    for _ in range(RUNS):
        async with db.transaction() as session:
            began = time.perf_counter()
            await query(session, given)
            times.append((time.perf_counter() - began) * 1000)
    scans, plans = False, []
    for statement, parameters in statements:
        full, sorts, plan = await _explain(db, statement, parameters, forbid_seqscan=False)
        if full and db.engine.dialect.name == "postgresql" and stored < SMALL_TABLE:
            full, sorts, indexed = await _explain(db, statement, parameters, forbid_seqscan=True)
            plan += f" [small table; with enable_seqscan off: {indexed}]"
        scans = scans or full or (sorts and name not in BOUNDED)
        plans.append(plan)
    return Finding(name, statistics.median(times), scans, " | ".join(plans))


async def _explain(
    db: Database, statement: str, parameters: Any, *, forbid_seqscan: bool
) -> tuple[bool, bool, str]:
    """Whether the plan reads a whole table or index, whether it sorts every match, the plan."""
    async with db.transaction() as session:
        connection = await session.connection()
        if db.engine.dialect.name == "postgresql":
            if forbid_seqscan:
                await connection.execute(text("SET LOCAL enable_seqscan = off"))
            result = await connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            )
            return _postgres_verdict(result.scalar_one()[0]["Plan"])
        result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return _sqlite_verdict([row[3] for row in result], statement)


def _postgres_verdict(root: dict[str, Any]) -> tuple[bool, bool, str]:
    steps: list[str] = []
    full = sorts = False

    def walk(node: dict[str, Any], feeds_limit: bool) -> None:
        nonlocal full, sorts
        kind = node["Node Type"]
        relation = node.get("Relation Name")
        index = node.get("Index Name")
        label = (
            kind + (f" using {index}" if index else "") + (f" on {relation}" if relation else "")
        )
        if relation in TABLES and kind == "Seq Scan":
            full, label = True, label + " (whole table)"
        elif relation in TABLES and kind in ("Index Scan", "Index Only Scan"):
            if "Index Cond" not in node and not feeds_limit:
                full, label = True, label + " (whole index)"
            elif "Index Cond" not in node and "Filter" in node:
                full, label = True, label + " (walked through a filter)"
        elif kind == "Sort" and feeds_limit and node.get("Plan Rows", 0) > SORTED_ROWS:
            sorts, label = True, label + " (of every match)"
        if relation or index or kind in ("Sort", "Incremental Sort", "Aggregate", "Limit"):
            steps.append(label)
        for child in node.get("Plans", []):
            walk(child, kind == "Limit" or (feeds_limit and kind in PASS_THROUGH))

    walk(root, False)
    return full, sorts, " > ".join(steps)


def _sqlite_verdict(details: list[str], statement: str) -> tuple[bool, bool, str]:
    sorted_after = any(d.startswith("USE TEMP B-TREE FOR ORDER BY") for d in details)
    limited = re.search(r"\bLIMIT\b", statement, re.IGNORECASE) is not None
    # An index walked in order up to the LIMIT, with no WHERE clause to skip rows it reads.
    top_n = limited and not sorted_after and re.search(r"\bWHERE\b", statement) is None
    full = False
    for detail in details:
        found = re.match(r"SCAN (?:TABLE )?(\w+)(.*)", detail)
        if found and found.group(1) in TABLES and ("INDEX" not in found.group(2) or not top_n):
            full = True
    return full, limited and sorted_after, "; ".join(details)


async def inputs(url: str, *, handled: uuid.UUID, queued: uuid.UUID, phone: str) -> Inputs:
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            service_id = await session.scalar(
                select(Callback.service_id).where(Callback.id == handled)
            )
    finally:
        await db.dispose()
    assert service_id is not None
    return Inputs(service_id, handled, queued, phone, SystemClock().now())
