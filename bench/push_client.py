"""Agent screens for the push benchmark, run in their own process: N WebSockets, held open.

Talks to the benchmark one JSON line at a time. In on stdin: the arguments; then any number of
``{"open": k}`` (open the next k connections), then ``{"expect": {topic: count}, "grace": s}``.
Out on stdout: ``{"stage": "opened", …}`` after each ``open``, and finally the samples: per
topic, ``[at, received, connection]`` for each message, ``at`` being the server's timestamp in
the message and ``received`` this process's ``time.time()`` on receipt.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.push_server import raise_open_files

OPENING = 50  # handshakes in flight at a time


def say(document: dict[str, Any]) -> None:
    print(json.dumps(document), flush=True)


async def hear() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


class Screens:
    def __init__(self, url: str, tokens: list[str] | None, topics: list[str]) -> None:
        self.url = url
        self.tokens = tokens
        self.topics = set(topics)
        self.samples: dict[str, list[tuple[float, float, int]]] = {t: [] for t in topics}
        self.first: dict[str, str] = {}  # one message of each topic, as sent
        self.closed: dict[str, int] = {}  # close codes of connections that ended early
        self.changed = asyncio.Event()

    async def open(self, index: int) -> ClientConnection:
        headers = {"Authorization": f"Bearer {self.tokens[index]}"} if self.tokens else {}
        # Compression as a browser offers it (permessage-deflate); no client pings.
        return await connect(self.url, additional_headers=headers, ping_interval=None)

    async def read(self, index: int, websocket: ClientConnection) -> None:
        try:
            async for raw in websocket:
                received = time.time()
                message = json.loads(raw)
                topic = message.get("topic")
                if topic not in self.topics:
                    continue
                at = datetime.fromisoformat(message["at"]).timestamp()
                self.samples[topic].append((at, received, index))
                self.first.setdefault(topic, str(raw))
                self.changed.set()
        except ConnectionClosed:
            pass
        code = str(websocket.close_code)
        self.closed[code] = self.closed.get(code, 0) + 1


async def main(arguments: dict[str, Any]) -> dict[str, Any]:
    raise_open_files()
    screens = Screens(arguments["url"], arguments.get("tokens"), arguments["topics"])
    gate = asyncio.Semaphore(OPENING)
    opened: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    failures: dict[str, int] = {}  # over every batch so far
    tried = 0

    async def open_one(index: int) -> ClientConnection | None:
        async with gate:
            try:
                return await screens.open(index)
            except (OSError, TimeoutError, ConnectionClosed) as exc:
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                return None

    while "open" in (order := json.loads(await hear())):
        started = time.perf_counter()
        batch = await asyncio.gather(*(open_one(tried + i) for i in range(int(order["open"]))))
        tried += len(batch)
        seconds = time.perf_counter() - started
        for websocket in batch:
            if websocket is not None:
                readers.append(asyncio.create_task(screens.read(len(opened), websocket)))
                opened.append(websocket)
        live = sum(1 for w in batch if w is not None)
        say({"stage": "opened", "opened": live, "failures": failures, "seconds": seconds})
    expect: dict[str, int] = order["expect"]
    deadline = time.monotonic() + float(order["grace"])
    while any(len(screens.samples[t]) < n for t, n in expect.items()):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or all(r.done() for r in readers):
            break
        screens.changed.clear()
        try:
            await asyncio.wait_for(screens.changed.wait(), timeout=remaining)
        except TimeoutError:
            break
    closed_early = dict(screens.closed)
    await asyncio.gather(*(websocket.close() for websocket in opened))
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return {"samples": screens.samples, "first": screens.first, "closed_early": closed_early}


if __name__ == "__main__":
    say(asyncio.run(main(json.loads(sys.stdin.readline()))))
