"""Runs the chosen scenarios, prints the table and writes the JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench import intake, push, reports, routing, scale, sip_calls, timers
from bench.common import ScenarioResult, table, write_json

SCENARIOS: dict[str, Callable[[str, str], ScenarioResult]] = {
    "intake": intake.run,
    "timers": timers.run,
    "routing": routing.run,
    "push": push.run,
    "scale": scale.run,
    "reports": reports.run,
    "sip": sip_calls.run,
}
ENGINES = ("sqlite", "postgres")
# Run by name only, and once whatever engines are asked for: they need no database ("sip":
# the SIP lab of tests/sip, Kamailio and baresip, and root to capture RTP).
NO_DATABASE = frozenset({"sip"})


def main(scenario: str, db: str, size: str, json_path: Path | None) -> list[ScenarioResult]:
    """Run ``scenario`` (or ``all``) on ``db`` (or both engines); print the table; write JSON."""
    if scenario in NO_DATABASE:
        results = [SCENARIOS[scenario]("-", size)]
    else:
        names = [n for n in SCENARIOS if n not in NO_DATABASE] if scenario == "all" else [scenario]
        engines = ENGINES if db == "all" else (db,)
        results = [SCENARIOS[name](engine, size) for engine in engines for name in names]
    print(table(results))
    if json_path is not None:
        write_json(json_path, results)
    return results
