"""Load generator for the intake benchmark, run in its own process.

Closed loop (``concurrency`` clients, each sending its next request when the last one answered)
or open loop (``rate`` requests per second, sent on schedule whatever the answers).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx


def body(number: int) -> dict[str, Any]:
    """A typical web callback request, about 300 bytes."""
    return {
        "service": "bench",
        "phone": f"+1212{2_000_000 + number:07d}",
        "name": f"Customer {number}",
        "data": {"topic": "billing", "order": f"A{number:09d}"},
        "instructions": "Call about the last invoice.",
    }


async def main(arguments: dict[str, Any]) -> dict[str, Any]:
    url, key = arguments["url"], arguments["key"]
    duration = float(arguments["duration"])
    concurrency = int(arguments["concurrency"])
    rate = arguments.get("rate")
    counter = iter(range(int(arguments["first_number"]), 10**9))
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one() -> None:
            started = time.perf_counter()
            try:
                response = await client.post("/api/v1/callbacks", json=body(next(counter)))
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            if status == "201":
                latencies.append(time.perf_counter() - started)
            else:
                errors[status] = errors.get(status, 0) + 1

        # Warm up the connections and the server's caches.
        await asyncio.gather(*(one() for _ in range(concurrency)))
        latencies.clear()
        started = time.perf_counter()
        deadline = started + duration
        if rate is None:

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    await one()

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        else:
            interval = 1 / float(rate)
            pending: set[asyncio.Task[None]] = set()
            at = started
            while at < deadline:
                delay = at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(one())
                pending.add(task)
                task.add_done_callback(pending.discard)
                at += interval
            await asyncio.gather(*pending)
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
