"""Scale: server memory and API latency as the callbacks stored grow to a million.

The stored history is staged in bulk (``bench/scale_stage.py``) in three steps, 1 %, 10 % and
100 % of the size. After each step ``ringback serve`` starts afresh on the database; every API
call an integrator, an agent or a supervisor makes that reads the callbacks table is sent a few
times to warm up, the server's RSS is read, then each is sent ``rounds`` more times one at a
time (latency, not throughput) and the RSS is read again. The query plans and in-process
times of the repository queries behind those calls are taken at the first and the last step
(``bench/scale_plans.py``). No baseline: a figure at 100 % is shown beside the same figure at
1 %, and the target is that it stays flat.
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from bench import scale_plans
from bench.common import (
    ScenarioResult,
    Scratch,
    make_api_key,
    percentile,
    rss_bytes,
    scratch_database,
    serving,
)
from bench.intake_client import body
from bench.scale_stage import GROUP, Sample, Service, stage
from ringback.agents.service import create_agent
from ringback.callbacks import repository
from ringback.clock import SystemClock
from ringback.config.models import ServiceRow
from ringback.db import Database

# stored at the last step, rounds of calls per step (after WARM_UP rounds)
SIZES = {"tiny": (2_000, 3), "small": (100_000, 40), "full": (1_000_000, 100)}
STEPS = (("1%", 0.01), ("10%", 0.1), ("100%", 1.0))
TINY_STEPS = (STEPS[0], STEPS[-1])  # a smoke run: one server start fewer
WARM_UP = 2  # rounds before the first RSS reading
SETTLE = 0.3  # seconds before an RSS reading
PASSWORD = "bench-supervisor"
MIB = 2**20
RSS_FLAT = 1.25  # RSS at 100 % within this factor of RSS at 1 %
LATENCY_FLAT = (2.0, 1.0)  # p50 at 100 % within 2x the p50 at 1 %, plus 1 ms


@dataclass(frozen=True)
class Call:
    """One API request: who sends it (an API key or the supervisor's session) and where."""

    name: str
    method: str
    path: str
    as_agent: bool = False
    params: dict[str, Any] | None = None
    json: dict[str, Any] | None = None


def run(db: str, size: str) -> ScenarioResult:
    stored, rounds = SIZES[size]
    steps = TINY_STEPS if size == "tiny" else STEPS
    targets = [(label, max(GROUP, round(stored * share))) for label, share in steps]
    result = ScenarioResult(
        "scale",
        db,
        size,
        {"stored": {label: n for label, n in targets}, "rounds": rounds, "warm_up": WARM_UP},
    )
    sample = Sample()
    latencies: dict[str, dict[str, list[float]]] = {}
    rss: dict[str, tuple[int, int, int]] = {}
    plans: dict[str, list[scale_plans.Finding]] = {}
    staging: dict[str, float] = {}
    with scratch_database(db) as scratch:
        service = asyncio.run(_prepare(scratch.url))
        key = asyncio.run(make_api_key(scratch.url))
        numbers_done = 0
        for index, (label, target) in enumerate(targets):
            numbers = target // GROUP - numbers_done
            began = time.perf_counter()
            stage(scratch, service, first_number=numbers_done, numbers=numbers, sample=sample)
            asyncio.run(_fold(scratch.url))
            staging[label] = time.perf_counter() - began
            numbers_done += numbers
            if index in (0, len(targets) - 1):
                plans[label] = asyncio.run(_findings(scratch, sample, target))
            latencies[label], rss[label] = _measure(scratch, key, sample, rounds, step=index)
    _report(result, targets, latencies, rss, plans)
    stored_rows = sum(sample.counts.values())
    mix = ", ".join(f"{state} {n / stored_rows:.1%}" for state, n in sample.counts.most_common())
    result.notes.append(
        f"{stored_rows:,} callbacks over {stored_rows // GROUP:,} numbers and contacts "
        f"({mix}); {sample.history_rows:,} callback_history rows, one contact_history row "
        "per callback; staged in "
        + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in staging.items())
    )
    result.notes.append(
        f"latency: each call {rounds} times per step, one at a time, over HTTP to `ringback "
        "serve` restarted after each step; p50/p99 in ms; the 100 % figure's baseline is the 1 % "
        "figure"
    )
    result.notes.append(
        "sql <query>: the repository call in-process (median of 5 after a warm-up) at 100 %, "
        "beside the same at 1 %; met = its plan neither reads a whole table or index of "
        "callbacks/callback_history nor sorts every match to return a page"
    )
    return result


async def _prepare(url: str) -> Service:
    """The bench service, and a supervisor who may sign in to the workspace."""
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            row = (await session.scalars(select(ServiceRow))).one()
            await create_agent(
                session,
                login="supervisor",
                name="Bench Supervisor",
                place="9000",
                now=SystemClock().now(),
                roles=("supervisor",),
                password=PASSWORD,
            )
        return Service(row.id, row.queue_id)
    finally:
        await db.dispose()


async def _fold(url: str) -> None:
    """Fold the waiting counts' changes the staged rows made, as a node's housekeeping loop
    does within ``RINGBACK_STATS_INTERVAL_SECONDS`` (the in-process timings come before any
    node has run)."""
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            await repository.fold_waiting_changes(session)
    finally:
        await db.dispose()


async def _findings(scratch: Scratch, sample: Sample, stored: int) -> list[scale_plans.Finding]:
    given = await scale_plans.inputs(
        scratch.url, handled=sample.handled[0], queued=sample.queued[-1], phone=sample.phones[0]
    )
    return await scale_plans.findings(scratch.url, given, stored)


def _calls(sample: Sample, rng: random.Random, cursors: list[str], number: int) -> list[Call]:
    handled = rng.choice(sample.handled)
    return [
        Call("healthz", "GET", "/healthz"),
        Call("metrics", "GET", "/metrics"),
        Call("get callback", "GET", f"/api/v1/callbacks/{handled}"),
        Call("callback history", "GET", f"/api/v1/callbacks/{handled}/history"),
        Call("queue position", "GET", f"/api/v1/callbacks/{rng.choice(sample.queued)}/position"),
        Call("list newest", "GET", "/api/v1/callbacks"),
        Call("list next page", "GET", "/api/v1/callbacks", params={"cursor": rng.choice(cursors)}),
        Call("list by state", "GET", "/api/v1/callbacks", params={"state": "queued"}),
        Call("list by service", "GET", "/api/v1/callbacks", params={"service": "bench"}),
        Call(
            "list by phone", "GET", "/api/v1/callbacks", params={"phone": rng.choice(sample.phones)}
        ),
        Call("open slots", "GET", "/api/v1/services/bench/availability"),
        Call("agent open slots", "GET", "/api/v1/workspace/services/bench/availability", True),
        Call("supervisor callbacks", "GET", "/api/v1/workspace/supervisor/callbacks", True),
        Call("supervisor queues", "GET", "/api/v1/workspace/supervisor/queues", True),
        Call("create callback", "POST", "/api/v1/callbacks", json=body(number)),
    ]


def _measure(
    scratch: Scratch, key: str, sample: Sample, rounds: int, *, step: int
) -> tuple[dict[str, list[float]], tuple[int, int, int]]:
    """Latencies per call over ``rounds`` rounds; RSS after warm-up, after the burst, and peak."""
    rng = random.Random(step)
    latencies: dict[str, list[float]] = {}
    with serving(scratch.url) as server:
        api = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        )
        signed = api.post(
            "/api/v1/workspace/session", json={"login": "supervisor", "password": PASSWORD}
        )
        signed.raise_for_status()
        desk = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {signed.json()['token']}"},
            timeout=60,
        )
        try:
            cursors = [_cursor(api, callback_id) for callback_id in sample.handled[:5]]
            number = step * 10_000  # fresh numbers: +1212 20x xxxx
            warm = 0
            for round_number in range(WARM_UP + rounds):
                if round_number == WARM_UP:
                    time.sleep(SETTLE)
                    warm = rss_bytes(server.pid)
                for call in _calls(sample, rng, cursors, number):
                    number += 1
                    elapsed = _send(desk if call.as_agent else api, call)
                    if round_number >= WARM_UP:
                        latencies.setdefault(call.name, []).append(elapsed)
            time.sleep(SETTLE)
            after = rss_bytes(server.pid)
            peak = rss_bytes(server.pid, "VmHWM")
        finally:
            api.close()
            desk.close()
    return latencies, (warm, after, peak)


def _send(client: httpx.Client, call: Call) -> float:
    began = time.perf_counter()
    response = client.request(call.method, call.path, params=call.params, json=call.json)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{call.name}: {response.status_code} {response.text[:500]}")
    return elapsed


def _cursor(api: httpx.Client, callback_id: Any) -> str:
    """A keyset cursor that starts a page just after a stored callback, somewhere in the list."""
    found = api.get(f"/api/v1/callbacks/{callback_id}")
    found.raise_for_status()
    created_at = found.json()["created_at"]
    return base64.urlsafe_b64encode(f"{created_at}|{callback_id}".encode()).decode()


def _flat(value: float | None, first: float | None, factor: float, slack: float = 0.0) -> bool:
    return value is not None and first is not None and value <= factor * first + slack


def _report(
    result: ScenarioResult,
    targets: list[tuple[str, int]],
    latencies: dict[str, dict[str, list[float]]],
    rss: dict[str, tuple[int, int, int]],
    plans: dict[str, list[scale_plans.Finding]],
) -> None:
    first, last = targets[0][0], targets[-1][0]
    for label, _ in targets:
        warm, after, peak = (value / MIB for value in rss[label])
        result.add(f"rss after warm-up @{label}", warm, "MiB")
        if label == last:
            base = rss[first][1] / MIB
            result.add(
                f"rss after burst @{label}",
                after,
                "MiB",
                baseline=base,
                target=f"<= {RSS_FLAT}x at {first}",
                met=_flat(after, base, RSS_FLAT),
            )
        else:
            result.add(f"rss after burst @{label}", after, "MiB")
        result.add(f"rss peak @{label}", peak, "MiB")
    factor, slack = LATENCY_FLAT
    for name in latencies[first]:
        for q in (50, 99):
            for label, _ in targets:
                value = percentile(latencies[label][name], q)
                figure = result.add(f"{name} p{q} @{label}", value, "ms")
                if label == last:
                    figure.baseline = percentile(latencies[first][name], q)
                    if q == 50:
                        figure.target = f"<= {factor:g}x at {first} + {slack:g} ms"
                        figure.met = _flat(value, figure.baseline, factor, slack)
    before = {f.name: f for f in plans[first]}
    for finding in plans[last]:
        earlier = before.get(finding.name)
        result.add(
            f"sql {finding.name}",
            finding.milliseconds,
            "ms",
            baseline=earlier.milliseconds if earlier else None,
            target="no full scan or sort",
            met=None if finding.scans is None else not finding.scans,
        )
        result.notes.append(f"plan {finding.name}: {finding.plan}")
