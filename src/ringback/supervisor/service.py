"""Supervisor use cases: read the queues and the agents, cancel or reprioritise callbacks.

Like every service, these never commit; the caller's unit of work does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentChannelStatus, AgentStatus
from ringback.callbacks import repository as callback_repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.states import CallbackState
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.errors import RingbackError
from ringback.interactions import repository as interaction_repository
from ringback.interactions.common import is_supervisor
from ringback.interactions.models import Interaction
from ringback.routing.policy import aged_priority
from ringback.supervisor import activity as activity_series
from ringback.supervisor import repository
from ringback.supervisor.listing import (
    Cursor,
    Ranked,
    WaitingSort,
    decode_cursor,
    encode_cursor,
    priority_key,
    rank_by_priority,
    time_key,
)
from ringback.supervisor.thresholds import Crossing, Level, assess, late_cutoff


def check_supervisor(agent: Agent) -> None:
    """Refuse an agent who is neither supervisor nor admin."""
    if not is_supervisor(agent):
        raise RingbackError(
            "not-a-supervisor", "this needs the supervisor or admin role", status=403
        )


def caller_for(supervisor: Agent) -> callbacks.Caller:
    """The supervisor as the callback history names them; every service is theirs."""
    return callbacks.Caller(actor=f"supervisor:{supervisor.login}")


@dataclass(frozen=True)
class QueueOverview:
    service: Service
    waiting: int  # queued: ready to route now
    offered: int  # on an agent's screen
    scheduled: int  # waiting for a later time
    oldest_queued_at: datetime | None
    next_scheduled_at: datetime | None
    agents_ready: int  # Ready on the service's channel, with the queue's skills
    agents_free: int  # of those, holding nothing on any channel
    late: int  # queued or offered, not yet tried, past the promised time
    oldest_wait_seconds: int | None
    level: Level
    crossings: list[Crossing]


async def queues(session: AsyncSession, *, now: datetime) -> list[QueueOverview]:
    """One row per active service, in the configuration's order, against its thresholds."""
    counts: dict[tuple[int, CallbackState], callback_repository.WaitingCount] = {
        (row.service_id, row.state): row
        for row in await callback_repository.waiting_counts(session)
    }
    skills = {
        q.id: frozenset(q.settings.get("skills", []))
        for q in await config_repository.all_queues(session)
    }
    agents = {a.id: a for a in await agent_repository.all_agents(session) if a.active}
    statuses = [
        s for s in await agent_repository.all_channel_statuses(session) if s.agent_id in agents
    ]
    holding = {s.agent_id for s in statuses if s.offered or s.busy_with}
    services = await config_repository.active_services(session)
    late = await repository.late_counts(
        session, {s.id: late_cutoff(s.config.thresholds, now) for s in services}
    )
    overview = []
    for service in services:
        queued = counts.get((service.id, CallbackState.QUEUED))
        offered = counts.get((service.id, CallbackState.OFFERED))
        scheduled = counts.get((service.id, CallbackState.SCHEDULED))
        needed = skills.get(service.queue_id, frozenset())
        ready = [
            s
            for s in statuses
            if s.channel == service.config.channel
            and s.status is AgentStatus.READY
            and needed <= set(agents[s.agent_id].skills)
        ]
        oldest = queued.oldest_queued_at if queued else None
        oldest_wait = max(0, int((now - oldest).total_seconds())) if oldest else None
        level, crossings = assess(
            service.config.thresholds,
            oldest_wait_seconds=oldest_wait,
            late=late.get(service.id, 0),
        )
        overview.append(
            QueueOverview(
                service=service,
                waiting=queued.count if queued else 0,
                offered=offered.count if offered else 0,
                scheduled=scheduled.count if scheduled else 0,
                oldest_queued_at=oldest,
                next_scheduled_at=scheduled.next_due_at if scheduled else None,
                agents_ready=len(ready),
                agents_free=sum(1 for s in ready if s.agent_id not in holding),
                late=late.get(service.id, 0),
                oldest_wait_seconds=oldest_wait,
                level=level,
                crossings=crossings,
            )
        )
    return overview


@dataclass(frozen=True)
class WaitingCallback:
    callback: Callback
    service: Service
    effective_priority: float | None  # what routing ranks it by now (queued only)
    offered_to: str | None  # the login whose screen shows it
    reserved_for: str | None  # a personal callback's agent
    wait_seconds: int | None  # since queued_at, queued or offered
    late: bool  # not yet tried, and still waiting past its promised time


@dataclass(frozen=True)
class WaitingPage:
    items: list[WaitingCallback]
    next_cursor: str | None
    total: int  # every callback the filters let through, on all pages


async def waiting_callbacks(
    session: AsyncSession,
    *,
    service_name: str | None,
    states: frozenset[CallbackState],
    min_wait_seconds: int | None,
    sort: WaitingSort,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> WaitingPage:
    """A page of the callbacks no agent has taken yet, filtered and sorted."""
    after = decode_cursor(cursor, sort) if cursor else None
    as_of = after.as_of if after else now
    service_id = None
    if service_name is not None:
        service_id = (
            await callbacks.service_for(
                session, name=service_name, caller=callbacks.Caller(actor="supervisor")
            )
        ).id
    where = repository.WaitingFilter(
        states=states,
        service_id=service_id,
        queued_by=as_of - timedelta(seconds=min_wait_seconds) if min_wait_seconds else None,
    )
    if sort is WaitingSort.PRIORITY:
        rows, keys = await _by_priority(session, where, as_of, after, limit + 1)
    else:
        rows = await repository.waiting_in_time_order(
            session,
            where=where,
            after=after.key if after else None,  # type: ignore[arg-type]
            descending=sort is WaitingSort.RECENT,
            limit=limit + 1,
        )
        keys = [time_key(_ranked(row, 0.0)) for row in rows]
    next_cursor = encode_cursor(Cursor(sort, as_of, keys[limit - 1])) if len(rows) > limit else None
    total = await repository.count_waiting(session, where=where)
    return WaitingPage(await _views(session, rows[:limit], now), next_cursor, total)


async def _by_priority(
    session: AsyncSession,
    where: repository.WaitingFilter,
    as_of: datetime,
    after: Cursor | None,
    limit: int,
) -> tuple[list[Callback], list[tuple[object, ...]]]:
    aging = {
        s.id: s.config.priority_aging_per_minute
        for s in await config_repository.active_services(session)
    }
    ranked = [
        Ranked(k.id, k.state, k.priority, aging.get(k.service_id, 0.0), k.since)
        for k in await repository.waiting_keys(session, where=where)
    ]
    page = rank_by_priority(ranked, as_of, after.key if after else None, limit)
    rows = await repository.by_ids(session, [r.id for r in page])
    return [rows[r.id] for r in page if r.id in rows], [priority_key(r, as_of) for r in page]


def _ranked(row: Callback, aging: float) -> Ranked:
    since = row.due_at if row.state is CallbackState.SCHEDULED else row.queued_at
    return Ranked(row.id, row.state, row.priority, aging, since or row.created_at)


async def cancel(
    session: AsyncSession,
    *,
    supervisor: Agent,
    callback_id: uuid.UUID,
    reason: str | None,
    now: datetime,
) -> WaitingCallback:
    """Cancel as the customer would; an open offer is withdrawn from the agent's screen."""
    caller = caller_for(supervisor)
    callback, _ = await callbacks.cancel_callback(
        session,
        callback_id=callback_id,
        caller=caller,
        now=now,
        reason=reason,
        withdrawn_by=caller.actor,
    )
    [view] = await _views(session, [callback], now)
    return view


async def set_priority(
    session: AsyncSession,
    *,
    supervisor: Agent,
    callback_id: uuid.UUID,
    priority: int,
    reason: str | None,
    now: datetime,
) -> WaitingCallback:
    callback, _ = await callbacks.set_priority(
        session,
        callback_id=callback_id,
        priority=priority,
        caller=caller_for(supervisor),
        now=now,
        reason=reason,
    )
    [view] = await _views(session, [callback], now)
    return view


async def _views(
    session: AsyncSession, rows: list[Callback], now: datetime
) -> list[WaitingCallback]:
    services: dict[int, Service] = {}
    for row in rows:
        if row.service_id not in services:
            services[row.service_id] = await config_repository.service_by_id(
                session, row.service_id
            )
    offered = await interaction_repository.offered_agents(
        session, [r.id for r in rows if r.state is CallbackState.OFFERED]
    )
    logins = (
        {a.id: a.login for a in await agent_repository.all_agents(session)}
        if offered or any(r.reserved_agent_id for r in rows)
        else {}
    )
    views = []
    for row in rows:
        service = services[row.service_id]
        effective = None
        if row.state is CallbackState.QUEUED:
            effective = round(
                aged_priority(
                    row.priority,
                    service.config.priority_aging_per_minute,
                    row.queued_at or row.created_at,
                    now,
                ),
                2,
            )
        offered_to = offered.get(row.id)
        reserved = row.reserved_agent_id
        in_queue = row.state in (CallbackState.QUEUED, CallbackState.OFFERED)
        views.append(
            WaitingCallback(
                callback=row,
                service=service,
                effective_priority=effective,
                offered_to=logins.get(offered_to) if offered_to is not None else None,
                reserved_for=logins.get(reserved) if reserved is not None else None,
                wait_seconds=max(0, int((now - row.queued_at).total_seconds()))
                if in_queue and row.queued_at
                else None,
                late=repository.is_late(row, late_cutoff(service.config.thresholds, now)),
            )
        )
    return views


@dataclass(frozen=True)
class Holding:
    """What an agent has on the desk now: an interaction in hand, or else an offer."""

    interaction: Interaction
    callback: Callback
    service: Service


@dataclass(frozen=True)
class AgentOverview:
    agent: Agent
    statuses: list[AgentChannelStatus]
    holding: Holding | None


async def agents(session: AsyncSession) -> list[AgentOverview]:
    """Every agent who may sign in, with each channel's status and the interaction in hand."""
    roster = [a for a in await agent_repository.all_agents(session) if a.active]
    by_agent: dict[int, list[AgentChannelStatus]] = {}
    for status in await agent_repository.all_channel_statuses(session):
        by_agent.setdefault(status.agent_id, []).append(status)
    current: dict[int, uuid.UUID] = {}
    for agent_id, rows in by_agent.items():
        held = [s.busy_with for s in rows if s.busy_with] + [s.offered for s in rows if s.offered]
        if held:
            current[agent_id] = held[0]
    interactions = {
        i.id: i for i in await interaction_repository.by_ids(session, list(current.values()))
    }
    held_callbacks = {
        c.id: c
        for c in await callback_repository.by_ids(
            session, list({i.callback_id for i in interactions.values()})
        )
    }
    services: dict[int, Service] = {}
    for callback in held_callbacks.values():
        if callback.service_id not in services:
            services[callback.service_id] = await config_repository.service_by_id(
                session, callback.service_id
            )
    overview = []
    for agent in roster:
        holding = None
        held_id = current.get(agent.id)
        interaction = interactions.get(held_id) if held_id is not None else None
        if interaction is not None:
            callback = held_callbacks[interaction.callback_id]
            holding = Holding(interaction, callback, services[callback.service_id])
        statuses = sorted(by_agent.get(agent.id, []), key=lambda s: s.channel)
        overview.append(AgentOverview(agent, statuses, holding))
    return overview


@dataclass(frozen=True)
class QueueActivity:
    service: Service
    series: activity_series.Series


async def activity(
    session: AsyncSession,
    *,
    service_name: str | None,
    hours: int,
    bucket_minutes: int,
    now: datetime,
) -> tuple[activity_series.Window, list[QueueActivity]]:
    """Each active service's last ``hours`` in buckets: waiting, offered, answered, failed."""
    span = activity_series.window(now, hours=hours, bucket_minutes=bucket_minutes)
    services = await config_repository.active_services(session)
    if service_name is not None:
        one = await callbacks.service_for(
            session, name=service_name, caller=callbacks.Caller(actor="supervisor")
        )
        services = [s for s in services if s.id == one.id]
    transitions = await repository.transitions_since(
        session,
        start=span.start,
        bucket_seconds=int(span.bucket.total_seconds()),
        service_id=services[0].id if service_name is not None and services else None,
    )
    queued_now = {
        row.service_id: row.count
        for row in await callback_repository.waiting_counts(session)
        if row.state is CallbackState.QUEUED
    }
    found = activity_series.series(span, transitions, queued_now, [s.id for s in services])
    return span, [QueueActivity(s, found[s.id]) for s in services]
