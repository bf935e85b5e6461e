"""What a queue's wait estimate is made of, read from the database (callbacks/waits.py models it).

The position endpoint may be polled by every waiting customer; ``RecentLoads`` keeps each
service's load for ``QUEUE_LOAD_SECONDS``, so a queue's agents and history are read at most once
a second per node however many ask. The count of callbacks ahead is read on each request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.models import AgentChannel
from ringback.callbacks import repository
from ringback.callbacks.waits import (
    RECENT_LIMIT,
    RECENT_WINDOW,
    QueueLoad,
    Step,
    WaitEstimate,
    estimate_wait,
    handle_time,
)
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.recent import Recent

QUEUE_LOAD_SECONDS = 1.0


class RecentLoads(Recent[QueueLoad]):
    """Queue loads read in the last ``seconds``, per database, by service."""

    def __init__(
        self,
        *,
        seconds: float = QUEUE_LOAD_SECONDS,
        max_entries: int = 1_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(seconds=seconds, max_entries=max_entries, monotonic=monotonic)


async def queue_load(
    session: AsyncSession, *, service: Service, now: datetime, recent: RecentLoads | None = None
) -> QueueLoad:
    """The agents who can take the service's queue now and the queue's recent handle time;
    ``recent``: as read at most a second ago."""
    database = str(session.get_bind().engine.url) if recent is not None else ""
    if recent is not None:
        found = recent.get(database, str(service.id))
        if found is not None:
            return found
    queues = {q.id: q for q in await config_repository.all_queues(session)}
    queue = queues.get(service.queue_id)
    needed = frozenset(queue.settings.get("skills", [])) if queue is not None else frozenset()
    staffed = free = 0
    for skills, idle in await agent_repository.signed_in(
        session, AgentChannel(service.config.channel)
    ):
        if needed <= set(skills):
            staffed += 1
            free += bool(idle)
    # A queue's services may differ in their After Call Work timer: each callback takes its own.
    wrap_up = {
        s.id: s.config.after_call_work_seconds
        for s in await config_repository.active_services(session)
    }
    history = [
        Step(
            callback_id=callback_id,
            order=order,
            at=at,
            event=event,
            to_state=to_state,
            after_call_work_seconds=wrap_up.get(service_id, service.config.after_call_work_seconds),
        )
        for callback_id, order, at, event, to_state, service_id in (
            await repository.recent_steps(
                session, queue_id=service.queue_id, since=now - RECENT_WINDOW, limit=RECENT_LIMIT
            )
        )
    ]
    load = QueueLoad(
        staffed=staffed,
        free=free,
        handle=handle_time(history),
        configured_handle_seconds=service.config.average_handle_seconds,
    )
    if recent is not None:
        recent.put(database, str(service.id), load)
    return load


async def queue_wait(
    session: AsyncSession,
    *,
    service: Service,
    ahead: int,
    now: datetime,
    recent: RecentLoads | None = None,
) -> WaitEstimate | None:
    """The wait of a callback of ``service`` with ``ahead`` callbacks before it in its queue;
    None when no agent who can take the queue is working."""
    load = await queue_load(session, service=service, now=now, recent=recent)
    return estimate_wait(ahead=ahead, load=load)
