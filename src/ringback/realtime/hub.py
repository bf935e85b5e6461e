"""The WebSocket hub: pushes agent events to the screens connected to this node.

Events are rows (``agent_events``) written in the transaction of the change; the hub reads new
rows after each local commit and every ``poll_seconds`` (for rows other nodes wrote), and fans
them out. Rows show in id order (``stream.publish``), so reading after the newest id read
misses none. A client that reconnects with its last event id gets what it missed from the
table, then the live stream: no event lives only in one process's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import structlog

from ringback.db import CommitNotice, Database
from ringback.interactions import repository
from ringback.interactions.models import AgentEvent
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts

log = structlog.get_logger(__name__)
FAILURE_PAUSE = 2.0  # seconds
BATCH = 1000


def message(event: AgentEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "topic": event.topic,
        "at": event.at.isoformat(),
        "payload": event.payload,
    }


@dataclass(eq=False)
class Listener:
    agent_id: int
    sees_everyone: bool  # supervisors
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=10_000)
    )
    overflowed: bool = False  # events were dropped: the screen must resume from its last id

    def push(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            log.warning(
                "a screen is too slow; it must resume from its last id", agent=self.agent_id
            )


class Hub:
    def __init__(self, db: Database, *, poll_seconds: float = 0.5) -> None:
        self._db = db
        self._poll = poll_seconds
        # By agent, so that an event reaches its agent's screens without a look at the others.
        self._by_agent: dict[int, set[Listener]] = {}
        self._everyone: set[Listener] = set()  # supervisors' screens
        self._kick = asyncio.Event()
        self._last_id = 0

    async def on_commit(self, notice: CommitNotice) -> None:
        if notice.agent_events:
            self._kick.set()

    def add(self, listener: Listener) -> None:
        if listener.sees_everyone:
            self._everyone.add(listener)
        else:
            self._by_agent.setdefault(listener.agent_id, set()).add(listener)

    def remove(self, listener: Listener) -> None:
        self._everyone.discard(listener)
        screens = self._by_agent.get(listener.agent_id)
        if screens is not None:
            screens.discard(listener)
            if not screens:
                del self._by_agent[listener.agent_id]

    async def start(self) -> None:
        async with self._db.transaction() as session:
            self._last_id = await repository.last_event_id(session)

    async def fan_out_once(self) -> int:
        """Push the rows after the newest one pushed; returns how many were read."""
        async with self._db.transaction() as session:
            events = await repository.events_after(
                session, after=self._last_id, agent_id=None, limit=BATCH
            )
        for event in events:
            self._last_id = event.id
            own = self._by_agent.get(event.agent_id, ()) if event.agent_id is not None else ()
            listeners = [*own, *self._everyone]
            if listeners:
                pushed = message(event)
                for listener in listeners:
                    listener.push(pushed)
        return len(events)

    async def run(self, counts: LoopCounts | None = None) -> None:
        streak = FailureStreak(log, "event fan-out", counts=counts)
        while True:
            self._kick.clear()
            events = 0
            try:
                while (read := await self.fan_out_once()) > 0:
                    events += read
                    if read < BATCH:
                        break
            except Exception as exc:
                streak.failed(exc)
                await asyncio.sleep(FAILURE_PAUSE)  # e.g. the database is down: do not spin
            else:
                streak.succeeded(events)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=self._poll)
