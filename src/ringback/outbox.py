"""Side effects after commit.

Services call :func:`record` inside their transaction; the row commits with the change it
describes. After the commit the relay hands each event to the in-process handlers and marks it
published. A crash between the two leaves the row unpublished, and the next relay pass (on any
node) delivers it: at least once, always with the same event id, so consumers can de-duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import BigInteger, Index, Integer, String, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ringback.clock import Clock
from ringback.db import Base, Database
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts

log = structlog.get_logger(__name__)
FAILURE_PAUSE = 2.0  # seconds


class OutboxEvent(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )


def record(session: AsyncSession, topic: str, payload: dict[str, Any], *, at: datetime) -> None:
    """Add an event to the current unit of work; it is delivered only if the work commits."""
    event = OutboxEvent(topic=topic, payload=payload, created_at=at)
    session.add(event)
    announce(session, event)
    if topic.startswith("callback."):
        # Integrators' webhooks show the callback as it is now, at this change: captured in
        # the same transaction (imported here: webhooks build on callbacks, which record here).
        from ringback.webhooks.capture import capture

        capture(session, payload, at=at)


def announce(session: AsyncSession, event: OutboxEvent) -> None:
    """Tell the commit's listeners of an event whose row the caller writes itself (intake writes
    its rows in one statement); :func:`record` does this for the events it adds."""
    session.info.setdefault("outbox_events", []).append(event)


async def prune(session: AsyncSession, *, published_before: datetime) -> None:
    """Forget events delivered long ago; undelivered ones are kept whatever their age."""
    await session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.published_at.is_not(None), OutboxEvent.published_at < published_before
        )
    )


Handler = Callable[[OutboxEvent], Awaitable[None]]


class OutboxRelay:
    """Delivers committed events to handlers, oldest first, and marks them published.

    A handler is at-least-once by default: it runs inside the claiming transaction, and a crash
    before that commits delivers the event again. An ``at_most_once`` handler runs only after
    the claim committed: right for commands that must never be repeated, such as dialling.
    """

    def __init__(self, db: Database, clock: Clock, *, batch_size: int = 200) -> None:
        self._db = db
        self._clock = clock
        self._batch_size = batch_size
        self._handlers: list[tuple[str, Handler, bool]] = []
        self._kick = asyncio.Event()

    def subscribe(self, topic_prefix: str, handler: Handler, *, at_most_once: bool = False) -> None:
        self._handlers.append((topic_prefix, handler, at_most_once))

    def kick(self) -> None:
        """Ask for a delivery pass now (called after each commit that recorded events)."""
        self._kick.set()

    async def deliver_pending(self) -> int:
        """One pass over unpublished events; returns how many were delivered."""
        async with self._db.transaction() as session:
            events = (
                await session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            after_commit: list[tuple[Handler, OutboxEvent]] = []
            for event in events:
                for prefix, handler, at_most_once in self._handlers:
                    if not event.topic.startswith(prefix):
                        continue
                    if at_most_once:
                        after_commit.append((handler, event))
                    else:
                        await handler(event)
            if events:
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_([event.id for event in events]))
                    .values(published_at=self._clock.now())
                )
        for handler, event in after_commit:
            try:
                await handler(event)
            except Exception:
                log.exception("outbox handler failed", topic=event.topic, event_id=event.id)
        return len(events)

    async def run(self, counts: LoopCounts | None = None, *, poll_seconds: float = 5.0) -> None:
        """Deliver whenever kicked, and every ``poll_seconds`` for what other nodes left behind."""
        streak = FailureStreak(log, "outbox delivery", counts=counts)
        while True:
            delivered = 0
            try:
                while (batch := await self.deliver_pending()) > 0:
                    delivered += batch
                    if batch < self._batch_size:
                        break
            except Exception as exc:
                streak.failed(exc)
                await asyncio.sleep(FAILURE_PAUSE)  # e.g. the database is down: do not spin
            else:
                streak.succeeded(delivered)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=poll_seconds)
            self._kick.clear()
