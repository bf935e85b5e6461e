"""What every benchmark shares: sizes, scratch databases, a server subprocess, figures, output."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from ringback import migrations
from ringback.apikeys.service import create_key
from ringback.clock import SystemClock
from ringback.config.loader import load_config
from ringback.config.service import apply_config
from ringback.db import Database

BENCH_DIR = Path(__file__).resolve().parent
CONFIG = BENCH_DIR / "bench.toml"
SERVICE = "bench"
POSTGRES_ENV = "RINGBACK_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZES = ("tiny", "small", "full")


@dataclass
class Figure:
    """One measured figure, beside the baseline measured in the same run (if it has one)."""

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


@dataclass
class ScenarioResult:
    scenario: str
    db: str
    size: str
    params: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float | None, unit: str, **kwargs: Any) -> Figure:
        figure = Figure(name, value, unit, **kwargs)
        self.figures.append(figure)
        return figure

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "db": self.db,
            "size": self.size,
            "params": self.params,
            "figures": {
                f.name: {
                    "value": f.value,
                    "unit": f.unit,
                    "baseline": f.baseline,
                    "ratio": f.ratio,
                    "target": f.target,
                    "met": f.met,
                }
                for f in self.figures
            },
            "notes": self.notes,
        }


def machine() -> dict[str, Any]:
    memory = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def table(results: Sequence[ScenarioResult]) -> str:
    """The figures as a plain-text table."""
    rows = [("scenario", "db", "figure", "value", "unit", "baseline", "ratio", "target", "met")]
    for result in results:
        for f in result.figures:
            met = {True: "yes", False: "NO", None: ""}[f.met]
            rows.append(
                (
                    result.scenario,
                    result.db,
                    f.name,
                    _fmt(f.value),
                    f.unit,
                    _fmt(f.baseline),
                    _fmt(f.ratio),
                    f.target,
                    met,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{r.scenario}/{r.db}: {n}" for r in results for n in r.notes]
    return "\n".join(lines + (["", *notes] if notes else []))


def write_json(path: Path, results: Sequence[ScenarioResult]) -> None:
    document = {
        "at": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "results": [r.as_dict() for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory now (``VmHWM``: its peak so far), from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    return 0


def postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return None
    return url


@dataclass
class Scratch:
    """A migrated, configured database of its own, dropped afterwards."""

    kind: str  # sqlite | postgres
    url: str
    admin_url: str | None = None
    name: str | None = None
    directory: Path | None = None

    @property
    def raw_url(self) -> str:
        """The URL for the plain driver (psycopg conninfo, or the SQLite file path)."""
        if self.kind == "sqlite":
            return self.url.removeprefix("sqlite:///")
        return self.url

    def clone(self) -> Scratch:
        """A copy of this database, with everything staged in it so far."""
        if self.kind == "sqlite":
            assert self.directory is not None
            target = self.directory / f"clone-{uuid.uuid4().hex[:8]}.db"
            with _sqlite(self.raw_url) as source, _sqlite(str(target)) as copy:
                source.backup(copy)
            return Scratch("sqlite", f"sqlite:///{target}", directory=self.directory)
        assert self.admin_url is not None
        assert self.name is not None
        name = f"ringback_bench_{uuid.uuid4().hex[:10]}"
        _admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        return Scratch("postgres", _with_database(self.admin_url, name), self.admin_url, name)

    def drop(self) -> None:
        if self.kind == "postgres" and self.admin_url and self.name:
            _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextmanager
def _sqlite(path: str) -> Iterator[Any]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@contextmanager
def scratch_database(kind: str) -> Iterator[Scratch]:
    """A fresh database at the head schema with the bench configuration; every clone is dropped."""
    made: list[Scratch] = []
    directory = Path(tempfile.mkdtemp(prefix="ringback-bench-"))
    try:
        if kind == "sqlite":
            scratch = Scratch(
                "sqlite", f"sqlite:///{directory / 'ringback.db'}", directory=directory
            )
        else:
            admin = postgres_admin_url()
            if admin is None:
                raise RuntimeError(f"no PostgreSQL server (set {POSTGRES_ENV})")
            name = f"ringback_bench_{uuid.uuid4().hex[:10]}"
            _admin(admin, f'CREATE DATABASE "{name}"')
            scratch = Scratch("postgres", _with_database(admin, name), admin, name)
        made.append(scratch)
        # What `ringback db upgrade` and `ringback config apply bench/bench.toml` do, in-process:
        # starting the command twice per scenario would cost more than a tiny run itself.
        migrations.upgrade(scratch.url)
        asyncio.run(apply_bench_config(scratch.url))
        original_clone = scratch.clone

        def tracked_clone() -> Scratch:
            copy = original_clone()
            made.append(copy)
            return copy

        scratch.clone = tracked_clone  # type: ignore[method-assign]
        yield scratch
    finally:
        for database in made:
            database.drop()
        shutil.rmtree(directory, ignore_errors=True)


def ringback(args: Sequence[str]) -> str:
    """Run a ``ringback`` command, as an operator would."""
    done = subprocess.run(
        [sys.executable, "-m", "ringback", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"ringback {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def upgraded(url: str) -> None:
    migrations.upgrade(url)


async def make_api_key(url: str) -> str:
    """An API key for every service, with a budget no benchmark reaches (service layer)."""
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            issued = await create_key(
                session,
                name=f"bench-{uuid.uuid4().hex[:6]}",
                services=["*"],
                now=SystemClock().now(),
                rate_limit_per_minute=100_000_000,
            )
        return issued.secret
    finally:
        await db.dispose()


async def apply_bench_config(url: str) -> None:
    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            await apply_config(session, config=load_config(CONFIG), now=SystemClock().now())
    finally:
        await db.dispose()


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def serving(
    url: str, *, env: dict[str, str] | None = None, command: Sequence[str] | None = None
) -> Iterator[Server]:
    """``ringback serve`` (or ``command``) in a subprocess on a free port, until the block ends."""
    port = free_port()
    argv = list(command or [sys.executable, "-m", "ringback", "serve", "--db", url])
    argv += ["--port", str(port), "--log-level", "warning"]
    log = tempfile.TemporaryFile()  # noqa: SIM115  closed when the server stops
    process = subprocess.Popen(
        argv, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"server did not start: {log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield Server(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def run_client(module: str, arguments: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
    """Run a load generator in its own process; it prints one JSON document."""
    done = subprocess.run(
        [sys.executable, "-m", module, json.dumps(arguments)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=BENCH_DIR.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_async(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
