"""Routing: RoutingEngine.route_once in-process, beside a bare SKIP LOCKED claim-and-update loop.

Agents are made Ready through the service layer; queued callbacks are written in bulk with the
columns the service writes (staging 10,000 through the HTTP path would dominate the run). The
database is then cloned, so both loops start from identical tables.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import insert, select

from bench.common import ScenarioResult, Scratch, percentile, scratch_database
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.agents.service import create_agent, set_status
from ringback.callbacks.models import Callback
from ringback.clock import SystemClock
from ringback.config.models import ServiceRow
from ringback.db import Database
from ringback.routing.engine import RoutingEngine
from ringback.settings import Settings

SIZES = {"tiny": (10, 30), "small": (200, 2_000), "full": (1_000, 10_000)}  # agents, callbacks
BATCH = Settings.model_fields["routing_batch_size"].default  # offers per pass, as a node runs


def offers_per_second(db: str, size: str) -> float | None:
    """The routing engine's rate alone (no bare loop): a baseline for other scenarios."""
    agents, callbacks = SIZES[size]
    with scratch_database(db) as scratch:
        asyncio.run(stage(scratch.url, agents, callbacks))
        offers, _, elapsed = asyncio.run(engine_passes(scratch.url))
    return offers / elapsed if elapsed else None


def run(db: str, size: str) -> ScenarioResult:
    agents, callbacks = SIZES[size]
    result = ScenarioResult(
        "routing", db, size, {"agents": agents, "queued": callbacks, "batch": BATCH}
    )
    with scratch_database(db) as scratch:
        asyncio.run(stage(scratch.url, agents, callbacks))
        copy = scratch.clone()
        offers, passes, elapsed = asyncio.run(engine_passes(scratch.url, result))
        bare_offers, bare_elapsed = bare_loop(copy)
    rate = offers / elapsed if elapsed else None
    bare_rate = bare_offers / bare_elapsed if bare_elapsed else None
    met = rate is not None and bare_rate is not None and rate >= 0.5 * bare_rate and rate >= 300
    result.add("offers", float(offers), "offers", baseline=float(bare_offers))
    result.add(
        "offers/s", rate, "1/s", baseline=bare_rate, target=">= 0.5x baseline, >= 300/s", met=met
    )
    pass_ms = [p * 1000 for p, _ in passes]
    per_offer = [p * 1000 / n for p, n in passes if n]
    result.add("pass p50", percentile(pass_ms, 50), "ms")
    p99 = percentile(pass_ms, 99)
    result.add(
        "decision p99 (one pass)", p99, "ms", target="<= 20 ms", met=p99 is not None and p99 <= 20
    )
    result.add("decision per offer p99", percentile(per_offer, 99), "ms")
    result.notes.append(
        "decision latency = one routing pass (lock the queue head and the free agents, decide, "
        f"write up to {BATCH} offers, commit); each agent takes one offer, so one round is "
        f"min(agents, queued) offers"
    )
    return result


async def stage(url: str, agents: int, callbacks: int) -> None:
    db = Database(url)
    now = SystemClock().now()
    try:
        async with db.transaction() as session:
            service = (await session.scalars(select(ServiceRow))).one()
            for number in range(agents):
                agent = await create_agent(
                    session,
                    login=f"agent{number}",
                    name=f"Agent {number}",
                    place=str(5000 + number),
                    now=now,
                )
                await set_status(
                    session,
                    agent=agent,
                    channel=AgentChannel.VOICE,
                    status=AgentStatus.READY,
                    reason=None,
                    now=now,
                )
            rows = [
                {
                    "id": uuid.uuid4(),
                    "service_id": service.id,
                    "queue_id": service.queue_id,
                    "phone": f"+1212{3_000_000 + number:07d}",
                    "customer_name": f"Customer {number}",
                    "customer_time_zone": "America/New_York",
                    "type": "immediate",
                    "channel": "web",
                    "state": "queued",
                    "desired_time": now,
                    "queued_at": now - timedelta(seconds=callbacks - number),
                    "priority": 50,
                    "attempts": 0,
                    "data": {"topic": "billing"},
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for number in range(callbacks)
            ]
            for start in range(0, len(rows), 1000):
                await session.execute(insert(Callback), rows[start : start + 1000])
    finally:
        await db.dispose()


async def engine_passes(
    url: str, result: ScenarioResult | None = None
) -> tuple[int, list[tuple[float, int]], float]:
    db = Database(url)
    engine = RoutingEngine(db, SystemClock(), batch_size=BATCH)
    passes: list[tuple[float, int]] = []
    try:
        started, cpu = time.perf_counter(), time.process_time()
        while True:
            before = time.perf_counter()
            made = await engine.route_once()
            if made == 0:
                break
            passes.append((time.perf_counter() - before, made))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await db.dispose()
    offers = sum(n for _, n in passes)
    if result is not None and offers:
        # The engine's own CPU (this process; the database's is not in it): unlike the rate,
        # it does not move with the other work on a shared machine.
        result.add("engine CPU per offer", cpu * 1000 / offers, "ms")
    return offers, passes, elapsed


HEAD = (
    "SELECT id FROM callbacks WHERE state = 'queued' "
    "ORDER BY priority DESC, queued_at LIMIT {limit}{lock}"
)
FREE = (
    "SELECT s.agent_id FROM agent_channel_status s JOIN agents a ON a.id = s.agent_id "
    "WHERE s.channel = 'voice' AND s.status = 'ready' AND s.offered IS NULL "
    "AND s.busy_with IS NULL AND a.active ORDER BY s.idle_since LIMIT {limit}{lock}"
)


def bare_loop(scratch: Scratch) -> tuple[int, float]:
    """Claim the head and free agents, pair them in order, update both rows; repeat."""
    if scratch.kind == "sqlite":
        connection = sqlite3.connect(scratch.raw_url, isolation_level=None)
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=10000",
            "synchronous=NORMAL",
        ):
            connection.execute(f"PRAGMA {pragma}")
        total, started = 0, time.perf_counter()
        while True:
            connection.execute("BEGIN IMMEDIATE")
            head = [r[0] for r in connection.execute(HEAD.format(limit=BATCH, lock=""))]
            free = [r[0] for r in connection.execute(FREE.format(limit=BATCH, lock=""))]
            pairs = list(zip(head, free, strict=False))
            connection.executemany(
                "UPDATE callbacks SET state = 'offered', version = version + 1, updated_at = ? "
                "WHERE id = ?",
                [(datetime.now(UTC).replace(tzinfo=None).isoformat(" "), c) for c, _ in pairs],
            )
            connection.executemany(
                "UPDATE agent_channel_status SET status = 'not_ready' "
                "WHERE agent_id = ? AND channel = 'voice'",
                [(a,) for _, a in pairs],
            )
            connection.execute("COMMIT")
            if not pairs:
                break
            total += len(pairs)
        elapsed = time.perf_counter() - started
        connection.close()
        return total, elapsed
    with psycopg.connect(scratch.raw_url) as connection:
        total, started = 0, time.perf_counter()
        while True:
            with connection.transaction(), connection.cursor() as cursor:
                lock = " FOR UPDATE SKIP LOCKED"
                head = [r[0] for r in cursor.execute(HEAD.format(limit=BATCH, lock=lock))]
                free = [
                    r[0]
                    for r in cursor.execute(
                        FREE.format(limit=BATCH, lock=" FOR UPDATE OF s SKIP LOCKED")
                    )
                ]
                pairs = list(zip(head, free, strict=False))
                now = datetime.now(UTC)
                cursor.executemany(
                    "UPDATE callbacks SET state = 'offered', version = version + 1, "
                    "updated_at = %s WHERE id = %s",
                    [(now, c) for c, _ in pairs],
                )
                cursor.executemany(
                    "UPDATE agent_channel_status SET status = 'not_ready' "
                    "WHERE agent_id = %s AND channel = 'voice'",
                    [(a,) for _, a in pairs],
                )
            if not pairs:
                break
            total += len(pairs)
        return total, time.perf_counter() - started
