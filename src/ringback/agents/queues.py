"""The agent's own queues: what waits there for them, for a desk with nothing on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents.models import Agent
from ringback.callbacks import repository as callback_repository
from ringback.callbacks.states import CallbackState
from ringback.config import repository as config_repository
from ringback.config.repository import Service


@dataclass(frozen=True)
class MyQueue:
    service: Service
    waiting: int  # queued: routed to a Ready agent of the queue as soon as one is free
    scheduled: int  # waiting for a later time
    next_scheduled_at: datetime | None  # the earliest due_at of the scheduled ones


async def my_queues(session: AsyncSession, *, agent: Agent) -> list[MyQueue]:
    """Each active service whose queue the agent holds every skill of (routing's rule), in
    the configuration's order, with its callbacks queued and scheduled."""
    skills = {
        q.id: frozenset(q.settings.get("skills", []))
        for q in await config_repository.all_queues(session)
    }
    held = set(agent.skills)
    services = [
        s
        for s in await config_repository.active_services(session)
        if skills.get(s.queue_id, frozenset()) <= held
    ]
    if not services:
        return []
    counts = {
        (row.service_id, row.state): row
        for row in await callback_repository.waiting_counts(session)
    }
    mine = []
    for service in services:
        queued = counts.get((service.id, CallbackState.QUEUED))
        scheduled = counts.get((service.id, CallbackState.SCHEDULED))
        mine.append(
            MyQueue(
                service=service,
                waiting=queued.count if queued else 0,
                scheduled=scheduled.count if scheduled else 0,
                next_scheduled_at=scheduled.next_due_at if scheduled else None,
            )
        )
    return mine
