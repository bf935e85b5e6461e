"""``ringback serve`` for the push benchmark: more open files, and each routing pass timed.

Run as ``python -m bench.push_server serve --db URL …`` (the arguments of ``ringback``). Each
routing pass that made offers appends ``started committed offers`` (wall-clock seconds) to the
file named by ``RINGBACK_BENCH_PASSES``: an offer's event carries the clock reading its pass
started at, which lies between the two, and ``committed`` is read once the pass's transaction
has committed (and its commit listeners, which only wake loops, have run).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from typing import Any

PASSES_ENV = "RINGBACK_BENCH_PASSES"


def raise_open_files() -> None:
    """Thousands of sockets need more descriptors than the usual soft limit of 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def time_routing_passes(path: str) -> None:
    from ringback.routing.engine import RoutingEngine  # the client needs none of the product

    original = RoutingEngine.route_once
    log = open(path, "a", buffering=1)  # noqa: SIM115  open for the life of the process

    async def route_once(self: Any) -> int:
        started = time.time()
        made = await original(self)
        if made:
            log.write(f"{started:.6f} {time.time():.6f} {made}\n")
        return made

    RoutingEngine.route_once = route_once  # type: ignore[method-assign]


def main() -> None:
    raise_open_files()
    if os.environ.get(PASSES_ENV):
        time_routing_passes(os.environ[PASSES_ENV])
    from ringback.cli import main as ringback

    sys.argv = ["ringback", *sys.argv[1:]]
    ringback()


if __name__ == "__main__":
    main()
