"""A tiny run of every benchmark scenario, so that the benchmarks keep working."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import postgres_admin_url
from tests.sip.fixtures import require_sip_tools

from bench import runner

FIGURES = {
    "intake": (
        "req/s",
        "server CPU per request",
        "p50 at peak",
        "p95 at peak",
        "p99 at peak",
        "p99 at half of peak",
    ),
    "routing": ("offers", "offers/s", "decision p99 (one pass)"),
    "timers": ("lateness p50", "lateness p99", "lateness max", "backlog drain"),
    "scale": (
        "rss after warm-up @1%",
        "rss after burst @100%",
        "get callback p50 @100%",
        "queue position p99 @100%",
        "list by state p50 @100%",
        "supervisor callbacks p50 @100%",
        "create callback p50 @100%",
        "sql list by state",
        "sql routing head",
        "sql timers due",
    ),
    "push": ("offers at 20", "p50 at 20", "p95 at 20", "p99 at 20", "RSS/connection at 20"),
    "reports": (
        "callbacks by day p50 @2,000",
        "callbacks by 15 min p50 @2,000",
        "handling by day p50 @2,000",
        "dispositions p50 @2,000",
        "answer rate p50 @2,000",
    ),
}
EXACT = ("early", "skipped", "doubled")  # timers: counts that must be zero
WITH_BASELINE = {
    "intake": "req/s",
    "routing": "offers/s",
    "scale": "rss after burst @100%",
    "push": "p95 at 20",
    "reports": "callbacks by day p50 @2,000",
}


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_every_scenario_runs_tiny(engine: str, tmp_path: Path) -> None:
    if engine == "postgres" and postgres_admin_url() is None:
        pytest.skip("no PostgreSQL server")
    output = tmp_path / "bench.json"
    runner.main("all", engine, "tiny", output)
    document = json.loads(output.read_text())
    assert document["machine"]["cpus"] >= 1
    results = {r["scenario"]: r for r in document["results"]}
    assert set(results) == set(FIGURES)
    for scenario, names in FIGURES.items():
        figures = results[scenario]["figures"]
        for name in names:
            assert figures[name]["value"] is not None, (scenario, name)
        if scenario not in WITH_BASELINE:
            continue
        with_baseline = figures[WITH_BASELINE[scenario]]
        assert with_baseline["baseline"] > 0
        assert with_baseline["ratio"] == pytest.approx(
            with_baseline["value"] / with_baseline["baseline"]
        )
    timers = results["timers"]["figures"]
    for name in EXACT:
        assert timers[name]["value"] == 0, name
    assert timers["queued"]["value"] == timers["due"]["value"]
    assert timers["backlog queued"]["met"] is True


@pytest.mark.sip
def test_the_sip_scenario_runs_tiny(tmp_path: Path) -> None:
    require_sip_tools()
    output = tmp_path / "bench.json"
    runner.main("sip", "all", "tiny", output)
    [result] = json.loads(output.read_text())["results"]
    figures = result["figures"]
    assert result["db"] == "-"
    assert figures["1 calls: switch CPU"]["value"] > 0
    assert figures["1 calls: switch memory"]["value"] > 50  # MiB: the switch and its workers
    # Sound flowed both ways (a busy test machine may delay a packet past "good", not drop most).
    assert figures["1 calls: worst packet loss"]["value"] < 50
    assert figures["calls with good sound, most held"]["value"] is not None
