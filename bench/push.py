"""Push: offers reaching N agent screens over ``/api/v1/workspace/events``, beside a bare echo.

Agents are created, signed in and made Ready through the service layer; ``ringback serve``
(wrapped by ``bench/push_server.py``, which times each routing pass) runs in a subprocess, and a
separate process (``bench/push_client.py``) holds one WebSocket per agent. Callbacks are then
posted over HTTP with an API key at a steady rate, at most one per agent, and routing offers
them. Latency is the ``interaction.offered`` message's receipt minus the commit of the routing
pass that made it. Baseline: a bare Starlette WebSocket app under the same uvicorn settings,
held open by the same client, sent the same message at the same moments and in the same batches
as the offers were committed; then one broadcast to all N. RSS per connection is the server's
resident memory once the N connections are open and idle, minus before they opened, over N.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from unittest import mock

import httpx
from argon2 import PasswordHasher

from bench.common import (
    BENCH_DIR,
    ScenarioResult,
    make_api_key,
    mean,
    percentile,
    rss_bytes,
    scratch_database,
    serving,
)
from bench.intake_client import body
from bench.push_server import PASSES_ENV
from ringback.agents import service as agent_service
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.clock import SystemClock
from ringback.db import Database

# connections per run, callbacks per run (one per connection at most), callbacks a second
SIZES = {
    "tiny": ((20,), 20, 5.0),
    "small": ((200, 500), 200, 5.0),
    "full": ((1_000, 2_000), 300, 5.0),
}
SETTLE = 0.5  # seconds before reading the server's memory
GRACE = 60.0  # seconds to wait for the last offers once every callback is posted
PASSWORD = "bench-password"
OFFERED = "interaction.offered"
P95_MS, P99_MS, RSS_KIB = 100, 500, 64
ROOT = BENCH_DIR.parent


def run(db: str, size: str) -> ScenarioResult:
    counts, offers, rate = SIZES[size]
    result = ScenarioResult(
        "push",
        db,
        size,
        {"connections": list(counts), "callbacks": offers, "callbacks_per_s": rate},
    )
    with scratch_database(db) as scratch, tempfile.TemporaryDirectory() as folder:
        key = asyncio.run(make_api_key(scratch.url))
        tokens: list[str] = []
        copies = {}
        for count in counts:  # each run gets a copy holding exactly its own agents
            tokens += asyncio.run(stage(scratch.url, first=len(tokens), count=count - len(tokens)))
            copies[count] = scratch if count == counts[-1] else scratch.clone()
        for count in counts:
            ringback = measure_ringback(
                copies[count].url, key, tokens[:count], min(count, offers), rate, Path(folder)
            )
            echo = measure_echo(count, ringback["schedule"], ringback["message"])
            report(result, count, ringback, echo)
    return result


async def stage(url: str, *, first: int, count: int) -> list[str]:
    """Agents signed in (``sign_in``) and Ready on voice; their session tokens, in order."""
    # sign_in verifies the password at the hash's own cost (argon2 at the product's settings
    # takes ~0.3 s): staging hashes and verifies with the cheapest argon2 parameters instead.
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    password_hash = cheap.hash(PASSWORD)
    db = Database(url)
    now = SystemClock().now()
    tokens = []
    try:
        with mock.patch.object(agent_service, "hasher", cheap):
            async with db.transaction() as session:
                for number in range(first, first + count):
                    login = f"agent{number}"
                    await agent_service.create_agent(
                        session,
                        login=login,
                        name=f"Agent {number}",
                        place=str(5000 + number),
                        password_hash=password_hash,
                        now=now,
                    )
                    signed = await agent_service.sign_in(
                        session, login=login, password=PASSWORD, now=now
                    )
                    await agent_service.set_status(
                        session,
                        agent=signed.agent,
                        channel=AgentChannel.VOICE,
                        status=AgentStatus.READY,
                        reason=None,
                        now=now,
                    )
                    tokens.append(signed.token)
    finally:
        await db.dispose()
    return tokens


class ScreensProcess:
    """``bench.push_client`` in its own process, spoken to one JSON line at a time."""

    def __init__(self, arguments: dict[str, Any]) -> None:
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115  closed in close()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.push_client"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            cwd=ROOT,
            env=_environment(),
        )
        self.say(arguments)

    def say(self, document: Any) -> None:
        stdin: IO[str] | None = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps(document) + "\n")
        stdin.flush()

    def hear(self) -> dict[str, Any]:
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            self._process.wait(timeout=30)
            self._errors.seek(0)
            raise RuntimeError(f"push client failed: {self._errors.read().decode()[-2000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        self._errors.close()


@contextmanager
def screens(arguments: dict[str, Any]) -> Iterator[ScreensProcess]:
    process = ScreensProcess(arguments)
    try:
        yield process
    finally:
        process.close()


def _environment() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def open_all(process: ScreensProcess, pid: int, count: int) -> dict[str, Any]:
    """Open half the connections, then the rest; the server's memory before, between, after.

    The second half's growth over its count is the cost of one more connection: the first half
    pays for what the first connections cost once (pools, imports, caches).
    """
    time.sleep(SETTLE)
    before = rss_bytes(pid)
    memory, opened, seconds, failures = [], 0, 0.0, {}
    for batch in (count // 2, count - count // 2):
        process.say({"open": batch})
        answer = process.hear()
        opened += answer["opened"]
        seconds += answer["seconds"]
        failures = answer["failures"]
        time.sleep(SETTLE * 2)
        memory.append((answer["opened"], rss_bytes(pid)))
    return {
        "opened": opened,
        "seconds": seconds,
        "failures": failures,
        "rss_before": before,
        "rss_half": memory[0][1],
        "rss_after": memory[1][1],
        "second_half": memory[1][0],
    }


def measure_ringback(
    url: str, key: str, tokens: list[str], offers: int, rate: float, folder: Path
) -> dict[str, Any]:
    count = len(tokens)
    passes_file = folder / f"passes-{count}.txt"
    command = [sys.executable, "-m", "bench.push_server", "serve", "--db", url]
    env = {**_environment(), PASSES_ENV: str(passes_file)}
    with serving(url, env=env, command=command) as server:
        socket_url = server.url.replace("http://", "ws://") + "/api/v1/workspace/events"
        arguments = {"url": socket_url, "tokens": tokens, "connections": count, "topics": [OFFERED]}
        with screens(arguments) as process:
            memory = open_all(process, server.pid, count)
            created, errors, posting = asyncio.run(post_callbacks(server.url, key, offers, rate))
            process.say({"expect": {OFFERED: created}, "grace": GRACE})
            outcome = process.hear()
    passes = [
        (float(started), float(committed), int(made))
        for started, committed, made in (
            line.split() for line in passes_file.read_text().splitlines() if line
        )
    ]
    samples = outcome["samples"][OFFERED]
    latencies, unmatched = commit_latencies(samples, passes)
    first_commit = passes[0][1] if passes else 0.0
    message = json.loads(outcome["first"].get(OFFERED, "{}"))
    return {
        **memory,
        "created": created,
        "errors": errors,
        "posting": posting,
        "received": len(samples),
        "latencies": latencies,
        "from_event": [(received - at) * 1000 for at, received, _ in samples],
        "unmatched": unmatched,
        "passes": passes,
        "schedule": [(committed - first_commit, made) for _, committed, made in passes],
        "message": message,
        "closed_early": outcome["closed_early"],
    }


async def post_callbacks(
    url: str, key: str, count: int, rate: float
) -> tuple[int, dict[str, int], float]:
    """``count`` callbacks over HTTP, ``rate`` a second on schedule (open loop), whatever the
    answers; how many were made, the failures, and the seconds it took."""
    created, errors = 0, dict[str, int]()
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:

        async def post(number: int) -> None:
            nonlocal created
            try:
                response = await client.post("/api/v1/callbacks", json=body(number))
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            if status == "201":
                created += 1
            else:
                errors[status] = errors.get(status, 0) + 1

        started = time.perf_counter()
        posts = []
        for number in range(count):
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(post(number)))
        await asyncio.gather(*posts)
    return created, errors, time.perf_counter() - started


def commit_latencies(
    samples: Sequence[Sequence[float]], passes: Sequence[tuple[float, float, int]]
) -> tuple[list[float], int]:
    """Receipt minus the commit of the pass whose start..commit holds the offer's ``at`` (ms)."""
    passes = sorted(passes)
    starts = [started for started, _, _ in passes]
    latencies, unmatched = [], 0
    for at, received, _ in samples:
        index = bisect.bisect_right(starts, at + 0.001) - 1
        if index < 0 or at > passes[index][1] + 0.001:
            unmatched += 1
            continue
        latencies.append((received - passes[index][1]) * 1000)
    return latencies, unmatched


def measure_echo(
    count: int, schedule: Sequence[tuple[float, int]], message: dict[str, Any]
) -> dict[str, Any]:
    """The same client against the bare app: the offers' schedule replayed, then a broadcast."""
    command = [sys.executable, "-m", "bench.push_echo"]
    with serving("", env=_environment(), command=command) as server:
        socket_url = server.url.replace("http://", "ws://") + "/ws"
        arguments = {"url": socket_url, "connections": count, "topics": [OFFERED, "broadcast"]}
        with screens(arguments) as process:
            memory = open_all(process, server.pid, count)
            sent = 0
            with httpx.Client(base_url=server.url, timeout=60) as client:
                started = time.monotonic()
                for offset, made in schedule:
                    delay = started + offset - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    to = list(range(sent, min(count, sent + made)))
                    client.post("/send", json={"to": to, "message": message})
                    sent += len(to)
                time.sleep(SETTLE)
                client.post("/broadcast")
            process.say({"expect": {OFFERED: sent, "broadcast": count}, "grace": GRACE})
            outcome = process.hear()
    return {
        **memory,
        "latencies": [(r - at) * 1000 for at, r, _ in outcome["samples"][OFFERED]],
        "broadcast": [(r - at) * 1000 for at, r, _ in outcome["samples"]["broadcast"]],
    }


def report(
    result: ScenarioResult, count: int, ringback: dict[str, Any], echo: dict[str, Any]
) -> None:
    at = f"at {count:,}"
    received = ringback["received"]
    wanted = ringback["created"]
    result.add(
        f"offers {at}", float(received), "offers", target=f"{wanted}", met=received == wanted
    )
    for q, limit in ((50, None), (95, P95_MS), (99, P99_MS)):
        value = percentile(ringback["latencies"], q)
        result.add(
            f"p{q} {at}",
            value,
            "ms",
            baseline=percentile(echo["latencies"], q),
            target=f"<= {limit} ms" if limit else "",
            met=None if limit is None else value is not None and value <= limit,
        )
    per_connection = _per_connection(ringback)
    result.add(
        f"RSS/connection {at}",
        per_connection,
        "KiB",
        baseline=_per_connection(echo),
        target=f"<= {RSS_KIB} KiB",
        met=per_connection is not None and per_connection <= RSS_KIB,
    )
    result.add(f"broadcast p99 {at} (echo)", percentile(echo["broadcast"], 99), "ms")
    passes = ringback["passes"]
    per_pass = mean([made for _, _, made in passes])
    pass_ms = [(committed - started) * 1000 for started, committed, _ in passes]
    result.notes.append(
        f"at {count:,}: screens opened in {ringback['seconds']:.1f} s (echo "
        f"{echo['seconds']:.1f} s); RSS over all {count:,} (first-connection costs included) "
        f"{_overall(ringback):.1f} KiB each (echo {_overall(echo):.1f}); "
        f"{ringback['created']:,} callbacks posted in {ringback['posting']:.1f} s "
        f"({ringback['created'] / ringback['posting']:.1f}/s); {len(passes):,} routing passes "
        f"made offers ({per_pass or 0:.1f} per pass, pass p95 "
        f"{percentile(pass_ms, 95) or 0:.0f} ms); from the offer's own timestamp (its pass's "
        f"start) to receipt: p95 {percentile(ringback['from_event'], 95) or 0:.0f} ms"
    )
    trouble = {
        "post failures": ringback["errors"],
        "open failures": ringback["failures"],
        "echo open failures": echo["failures"],
        "closed early": ringback["closed_early"],
        "offers matched to no pass": ringback["unmatched"],
    }
    if any(trouble.values()):
        result.notes.append(f"at {count:,}: {trouble}")


def _per_connection(measured: dict[str, Any]) -> float | None:
    """KiB per connection over the second half (see ``open_all``)."""
    if not measured["second_half"]:
        return None
    grown = float(measured["rss_after"] - measured["rss_half"])
    return grown / int(measured["second_half"]) / 1024


def _overall(measured: dict[str, Any]) -> float:
    """KiB per connection over all N, first-connection costs included."""
    grown = float(measured["rss_after"] - measured["rss_before"])
    return grown / max(1, int(measured["opened"])) / 1024
