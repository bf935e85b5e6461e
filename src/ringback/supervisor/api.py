"""Workspace API for supervisors: queues, waiting callbacks, agents; cancel and reprioritise."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from ringback.callbacks.states import WAITING_LIST_STATES, CallbackState
from ringback.errors import invalid
from ringback.runtime import RuntimeDep
from ringback.supervisor import service
from ringback.supervisor.listing import WaitingSort
from ringback.supervisor.schemas import (
    ActivityRead,
    PriorityChange,
    QueueRead,
    SupervisedAgentRead,
    SupervisorCancel,
    WaitingCallbackRead,
    WaitingPageRead,
    activity_read,
    agent_overview_read,
    queue_read,
    waiting_page_read,
    waiting_read,
)
from ringback.workspace.auth import CurrentAgent, SignedInAgent

router = APIRouter(prefix="/api/v1/workspace/supervisor", tags=["workspace", "supervisor"])


async def current_supervisor(me: CurrentAgent) -> SignedInAgent:
    """The signed-in agent, who must hold the supervisor or admin role."""
    service.check_supervisor(me.agent)
    return me


CurrentSupervisor = Annotated[SignedInAgent, Depends(current_supervisor)]
ServiceFilter = Annotated[
    str | None, Query(alias="service", max_length=63, description="One service's only.")
]


@router.get("/queues", response_model=list[QueueRead])
async def queues(me: CurrentSupervisor, runtime: RuntimeDep) -> list[QueueRead]:
    """One row per active service: callbacks waiting, offered, scheduled and late; agents
    Ready; where the queue stands against the service's thresholds."""
    async with runtime.db.transaction() as session:
        rows = await service.queues(session, now=runtime.clock.now())
    return [queue_read(row) for row in rows]


@router.get("/callbacks", response_model=WaitingPageRead)
async def waiting_callbacks(
    me: CurrentSupervisor,
    runtime: RuntimeDep,
    service_name: ServiceFilter = None,
    state: Annotated[
        list[CallbackState] | None,
        Query(
            description="`queued`, `offered` or `scheduled`; repeat it for several. "
            "Default: all three."
        ),
    ] = None,
    min_wait_seconds: Annotated[
        int | None,
        Query(
            ge=0,
            le=31 * 86400,
            description="Only callbacks queued at least this many seconds ago (queued or "
            "offered: a scheduled one is not waiting yet).",
        ),
    ] = None,
    sort: Annotated[
        WaitingSort,
        Query(
            description="`waiting`: longest waiting first, then the scheduled by due time. "
            "`recent`: the reverse. `priority`: the queued in the order routing serves them "
            "(effective priority, then longest waiting), then the offered, then the scheduled."
        ),
    ] = WaitingSort.WAITING,
    cursor: Annotated[
        str | None,
        Query(max_length=500, description="The `next_cursor` of the previous page."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Callbacks per page.")] = 100,
) -> WaitingPageRead:
    """A page of the callbacks no agent has taken yet, filtered and sorted."""
    states = frozenset(state) if state else WAITING_LIST_STATES
    if not states <= WAITING_LIST_STATES:
        outside = ", ".join(sorted(states - WAITING_LIST_STATES))
        raise invalid(
            "not-a-waiting-state",
            f"{outside}: not a waiting state (queued, offered, scheduled)",
            field="state",
        )
    async with runtime.db.transaction() as session:
        page = await service.waiting_callbacks(
            session,
            service_name=service_name,
            states=states,
            min_wait_seconds=min_wait_seconds,
            sort=sort,
            cursor=cursor,
            limit=limit,
            now=runtime.clock.now(),
        )
    return waiting_page_read(page)


@router.get("/activity", response_model=ActivityRead)
async def activity(
    me: CurrentSupervisor,
    runtime: RuntimeDep,
    service_name: ServiceFilter = None,
    hours: Annotated[int, Query(ge=1, le=24, description="How far back.")] = 4,
    bucket_minutes: Annotated[
        int, Query(ge=1, le=60, description="The length of each bucket.")
    ] = 5,
) -> ActivityRead:
    """Each queue's last hours in buckets: waiting, offered, answered, failed; read from the
    callbacks' stored history."""
    async with runtime.db.transaction() as session:
        span, rows = await service.activity(
            session,
            service_name=service_name,
            hours=hours,
            bucket_minutes=bucket_minutes,
            now=runtime.clock.now(),
        )
    return activity_read(span, rows)


@router.post("/callbacks/{callback_id}/cancel", response_model=WaitingCallbackRead)
async def cancel_callback(
    callback_id: uuid.UUID,
    me: CurrentSupervisor,
    runtime: RuntimeDep,
    body: Annotated[SupervisorCancel | None, Body()] = None,
) -> WaitingCallbackRead:
    """Cancel a callback no agent has taken; an open offer is withdrawn from the screen."""
    async with runtime.db.transaction() as session:
        row = await service.cancel(
            session,
            supervisor=me.agent,
            callback_id=callback_id,
            reason=body.reason if body else None,
            now=runtime.clock.now(),
        )
    return waiting_read(row)


@router.put("/callbacks/{callback_id}/priority", response_model=WaitingCallbackRead)
async def set_priority(
    callback_id: uuid.UUID, body: PriorityChange, me: CurrentSupervisor, runtime: RuntimeDep
) -> WaitingCallbackRead:
    """Change a waiting callback's base priority (0-100); routing uses it at its next pass."""
    async with runtime.db.transaction() as session:
        row = await service.set_priority(
            session,
            supervisor=me.agent,
            callback_id=callback_id,
            priority=body.priority,
            reason=body.reason,
            now=runtime.clock.now(),
        )
    return waiting_read(row)


@router.get("/agents", response_model=list[SupervisedAgentRead])
async def agents(me: CurrentSupervisor, runtime: RuntimeDep) -> list[SupervisedAgentRead]:
    """Every agent: status per channel and the interaction in hand, if any."""
    async with runtime.db.transaction() as session:
        rows = await service.agents(session)
    return [agent_overview_read(row) for row in rows]
