"""Reports: the median time of each report over the latest month, at two sizes of history.

The callbacks and their history are staged in bulk as for the scale scenario
(``bench/scale_stage.py``: a year of requests, five per number); each completed or failed one
of the latest month also gets what handling it leaves behind: its dials and connect in the
callback history, an interaction with a disposition code, its dial results and, for one in
ten, a hold in the case history, and the agent's After Call Work. After each step every report
is computed in-process (the service call and its JSON, as the API sends it) once to warm up,
then ``rounds`` times one at a time; the figure is the median. No baseline of another program:
the larger size is shown beside the smaller one, and the target is a median under a second.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bench.common import ScenarioResult, Scratch, percentile, scratch_database
from bench.scale_stage import GROUP, Sample, Service, stage, writer_for
from ringback.agents.service import create_agent
from ringback.callbacks.models import Callback
from ringback.callbacks.service import Caller
from ringback.clock import SystemClock
from ringback.config.models import DispositionCodeRow, ServiceRow
from ringback.db import Database, new_id
from ringback.interactions.models import Interaction
from ringback.reports import schemas
from ringback.reports.buckets import BucketSize
from ringback.reports.service import (
    ReportRequest,
    answer_rate_report,
    callbacks_report,
    dispositions_report,
    handling_report,
)

# (stored at the first step, stored at the second), rounds per report and step
SIZES = {
    "tiny": ((1_000, 2_000), 3),
    "small": ((10_000, 100_000), 10),
    "full": ((10_000, 1_000_000), 20),
}
MONTH = timedelta(days=30)
TARGET_MS = 1000.0
AGENTS = ("alice", "bob", "carol", "dave")
CODES = (("sale", None), ("sale-new", "sale"), ("sale-upgrade", "sale"), ("no-sale", None))
SUPERVISOR = Caller(actor="supervisor:bench")
INTERACTION_COLUMNS = (
    "id",
    "callback_id",
    "agent_id",
    "channel",
    "state",
    "preview",
    "offered_at",
    "accepted_at",
    "ended_at",
    "parties",
    "disposition",
    "created_at",
    "updated_at",
    "version",
)
CASE_COLUMNS = ("interaction_id", "at", "actor", "kind", "detail")
HISTORY_COLUMNS = ("callback_id", "at", "actor", "event", "from_state", "to_state", "reason")
STATUS_COLUMNS = ("agent_id", "channel", "at", "from_status", "to_status", "reason")


def run(db: str, size: str) -> ScenarioResult:
    (small, large), rounds = SIZES[size]
    result = ScenarioResult(
        "reports", db, size, {"stored": [small, large], "rounds": rounds, "range_days": 30}
    )
    sample = Sample()
    medians: dict[int, dict[str, float]] = {}
    handled: dict[int, int] = {}
    with scratch_database(db) as scratch:
        service, agents = asyncio.run(_prepare(scratch.url))
        done = 0
        for stored in (small, large):
            numbers = stored // GROUP - done
            stage(scratch, service, first_number=done, numbers=numbers, sample=sample)
            done += numbers
            handled[stored] = sum(handled.values()) + asyncio.run(
                _handle_latest_month(scratch, agents)
            )
            medians[stored] = asyncio.run(_measure(scratch.url, rounds))
    for name in medians[small]:
        value = medians[large][name]
        result.add(f"{name} p50 @{small:,}", medians[small][name], "ms")
        result.add(
            f"{name} p50 @{large:,}",
            value,
            "ms",
            baseline=medians[small][name],
            target=f"< {TARGET_MS:,.0f} ms",
            met=value < TARGET_MS,
        )
    result.notes.append(
        f"stored callbacks over a year (scale_stage: {GROUP} per number); the report range is "
        f"the latest 30 days, in which {handled[small]:,} (then {handled[large]:,}) handled "
        "callbacks have an interaction, dials, a disposition and After Call Work"
    )
    result.notes.append(
        f"each report in-process (service and JSON), {rounds} times after a warm-up; the "
        "larger size's baseline is the smaller size's figure"
    )
    return result


async def _prepare(url: str) -> tuple[Service, list[tuple[int, str]]]:
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            row = (await session.scalars(select(ServiceRow))).one()
            ids = []
            for login in AGENTS:
                agent = await create_agent(
                    session, login=login, name=login.title(), place=login, now=SystemClock().now()
                )
                ids.append((agent.id, login))
            for position, (code, parent) in enumerate(CODES):
                session.add(
                    DispositionCodeRow(code=code, label=code, parent_code=parent, position=position)
                )
        return Service(row.id, row.queue_id), ids
    finally:
        await db.dispose()


async def _latest_handled(url: str, since: datetime) -> list[tuple[uuid.UUID, datetime, str]]:
    """Completed and failed callbacks of the range that have no interaction yet."""
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                select(Callback.id, Callback.created_at, Callback.state).where(
                    Callback.created_at >= since,
                    Callback.state.in_(["completed", "failed"]),
                    ~select(Interaction.id).where(Interaction.callback_id == Callback.id).exists(),
                )
            )
            return [(i, at, str(state)) for i, at, state in rows]
    finally:
        await db.dispose()


async def _handle_latest_month(scratch: Scratch, agents: list[tuple[int, str]]) -> int:
    """Write what agents leave behind for the month's handled callbacks; how many."""
    now = datetime.now(UTC)
    found = await _latest_handled(scratch.url, now - MONTH - timedelta(days=1))
    rng = random.Random(len(found))
    writer = writer_for(scratch)
    try:
        interactions: list[tuple[Any, ...]] = []
        cases: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        statuses: list[tuple[Any, ...]] = []
        for callback_id, created, state in found:
            _handling(
                callback_id, created, state, agents, rng, interactions, cases, history, statuses
            )
        writer.rows("interactions", INTERACTION_COLUMNS, interactions)
        writer.rows("interaction_history", CASE_COLUMNS, cases)
        writer.rows("callback_history", HISTORY_COLUMNS, history)
        writer.rows("agent_status_history", STATUS_COLUMNS, statuses)
        writer.commit()
    finally:
        writer.close()
    return len(found)


def _handling(
    callback_id: uuid.UUID,
    created: datetime,
    state: str,
    agents: list[tuple[int, str]],
    rng: random.Random,
    interactions: list[tuple[Any, ...]],
    cases: list[tuple[Any, ...]],
    history: list[tuple[Any, ...]],
    statuses: list[tuple[Any, ...]],
) -> None:
    """The rows one handled callback leaves (offered at +2 min, accepted +4, closed +6 on)."""
    agent, login = rng.choice(agents)
    interaction = new_id()
    accepted = created + timedelta(minutes=4)
    dialled = accepted + timedelta(seconds=30)
    answered = state == "completed"
    ended = accepted + timedelta(seconds=rng.uniform(90, 900))
    code = rng.choice(CODES)[0] if answered else "no-sale"
    interactions.append(
        (
            interaction,
            callback_id,
            agent,
            "voice",
            "done",
            {},
            created + timedelta(minutes=2),
            accepted,
            ended,
            {},
            code,
            created + timedelta(minutes=2),
            ended,
            3,
        )
    )
    history.append((callback_id, dialled, login, "dial", "accepted", "dialing", "attempt 1"))
    result = "answered" if answered else "no_answer"
    cases.append(
        (interaction, dialled + timedelta(seconds=20), "switch", "dial_result", {"result": result})
    )
    if answered:
        at = dialled + timedelta(seconds=20)
        history.append((callback_id, at, "switch", "connect", "dialing", "connected", None))
        cases.append((interaction, at, "switch", "call_state", {"state": "connected"}))
        if rng.random() < 0.1:
            held = at + timedelta(seconds=40)
            cases.append((interaction, held, login, "hold", {}))
            cases.append((interaction, held, "switch", "call_state", {"state": "held"}))
            back = held + timedelta(seconds=rng.uniform(10, 120))
            cases.append((interaction, back, "switch", "call_state", {"state": "connected"}))
    statuses.append((agent, "voice", ended, "ready", "after_call_work", None))
    statuses.append(
        (
            agent,
            "voice",
            ended + timedelta(seconds=rng.uniform(5, 60)),
            "after_call_work",
            "ready",
            None,
        )
    )


async def _measure(url: str, rounds: int) -> dict[str, float]:
    """Each report's median in ms over the latest month."""
    now = datetime.now(UTC)
    day = ReportRequest(start=now - MONTH, end=now, bucket=BucketSize.DAY)
    quarter = ReportRequest(start=now - MONTH, end=now, bucket=BucketSize.QUARTER_HOUR)
    db = Database(url, pool_size=1)

    async def callbacks_by(request: ReportRequest) -> str:
        async with db.transaction() as session:
            found = await callbacks_report(session, request=request, caller=SUPERVISOR, now=now)
        return schemas.callback_report_read(request, found).model_dump_json()

    async def handling() -> str:
        async with db.transaction() as session:
            found = await handling_report(session, request=day, caller=SUPERVISOR, now=now)
        return schemas.handling_report_read(day, found).model_dump_json()

    async def dispositions() -> str:
        async with db.transaction() as session:
            zone, found = await dispositions_report(session, request=day, caller=SUPERVISOR)
        return schemas.disposition_report_read(day, zone, found).model_dump_json()

    async def answer_rate() -> str:
        async with db.transaction() as session:
            found = await answer_rate_report(session, request=day, caller=SUPERVISOR)
        return schemas.answer_rate_report_read(day, found).model_dump_json()

    reports: dict[str, Callable[[], Awaitable[str]]] = {
        "callbacks by day": lambda: callbacks_by(day),
        "callbacks by 15 min": lambda: callbacks_by(quarter),
        "handling by day": handling,
        "dispositions": dispositions,
        "answer rate": answer_rate,
    }
    medians: dict[str, float] = {}
    try:
        for name, report in reports.items():
            await report()  # warm-up
            times = []
            for _ in range(rounds):
                began = time.perf_counter()
                await report()
                times.append((time.perf_counter() - began) * 1000)
            medians[name] = percentile(times, 50) or 0.0
    finally:
        await db.dispose()
    return medians
