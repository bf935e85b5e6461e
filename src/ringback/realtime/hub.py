"""The WebSocket hub: pushes agent events to the screens connected to this node.

Events are rows (``agent_events``) written in the transaction of the change; the hub reads new
rows after each local commit and every ``poll_seconds`` (for rows other nodes wrote), and fans
them out. A client that reconnects with its last event id gets what it missed from the table,
then the live stream: no event lives only in one process's memory.
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

log = structlog.get_logger(__name__)


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

    def wants(self, event: AgentEvent) -> bool:
        return self.sees_everyone or event.agent_id == self.agent_id


class Hub:
    def __init__(self, db: Database, *, poll_seconds: float = 0.5) -> None:
        self._db = db
        self._poll = poll_seconds
        self._listeners: set[Listener] = set()
        self._kick = asyncio.Event()
        self._last_id = 0

    async def on_commit(self, notice: CommitNotice) -> None:
        if notice.agent_events:
            self._kick.set()

    def add(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def remove(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def start(self) -> None:
        async with self._db.transaction() as session:
            self._last_id = await repository.last_event_id(session)

    async def fan_out_once(self) -> int:
        async with self._db.transaction() as session:
            events = await repository.events_after(
                session, after=self._last_id, agent_id=None, limit=1000
            )
        for event in events:
            self._last_id = event.id
            for listener in list(self._listeners):
                if listener.wants(event):
                    try:
                        listener.queue.put_nowait(message(event))
                    except asyncio.QueueFull:
                        log.warning(
                            "a screen is too slow; it will resume from its last id",
                            agent=listener.agent_id,
                        )
        return len(events)

    async def run(self) -> None:
        while True:
            self._kick.clear()
            try:
                while await self.fan_out_once() == 1000:
                    pass
            except Exception:
                log.exception("event fan-out failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=self._poll)
