"""Runs the chosen scenarios, prints the table and writes the JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench import intake, push, routing, scale, timers
from bench.common import ScenarioResult, table, write_json

SCENARIOS: dict[str, Callable[[str, str], ScenarioResult]] = {
    "intake": intake.run,
    "timers": timers.run,
    "routing": routing.run,
    "push": push.run,
    "scale": scale.run,
}
ENGINES = ("sqlite", "postgres")


def main(scenario: str, db: str, size: str, json_path: Path | None) -> list[ScenarioResult]:
    """Run ``scenario`` (or ``all``) on ``db`` (or both engines); print the table; write JSON."""
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    engines = ENGINES if db == "all" else (db,)
    results = [SCENARIOS[name](engine, size) for engine in engines for name in names]
    print(table(results))
    if json_path is not None:
        write_json(json_path, results)
    return results
