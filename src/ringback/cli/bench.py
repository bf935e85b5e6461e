"""``ringback bench``: the benchmarks in the checkout's ``bench/`` folder."""

from __future__ import annotations

import importlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ringback import logs
from ringback.cli.common import fail


class Scenario(StrEnum):
    INTAKE = "intake"
    TIMERS = "timers"
    ROUTING = "routing"
    PUSH = "push"
    SCALE = "scale"
    REPORTS = "reports"
    SIP = "sip"
    ALL = "all"


class Engine(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"
    ALL = "all"


class Size(StrEnum):
    TINY = "tiny"
    SMALL = "small"
    FULL = "full"


def _bench_root() -> Path | None:
    """The folder holding ``bench/``: the working directory or the source checkout."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parents[3]):
        if (candidate / "bench" / "runner.py").is_file():
            return candidate
    return None


def bench(
    scenario: Annotated[Scenario, typer.Argument(help="What to measure.")] = Scenario.ALL,
    db: Annotated[
        Engine, typer.Option("--db", help="The database engine to measure on; all: both.")
    ] = (Engine.SQLITE),
    size: Annotated[Size, typer.Option("--size", help="tiny for a smoke run.")] = Size.SMALL,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures here as JSON.")
    ] = None,
) -> None:
    """Run benchmarks against scratch databases; print figures beside their baselines."""
    logs.configure("warning")
    root = _bench_root()
    if root is None:
        raise fail("no bench/ folder here: run from a Ringback source checkout")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    runner = importlib.import_module("bench.runner")
    runner.main(scenario.value, db.value, size.value, json_path)
