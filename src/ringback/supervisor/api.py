"""Workspace API for supervisors: queues, waiting callbacks, agents; cancel and reprioritise."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from ringback.runtime import RuntimeDep
from ringback.supervisor import service
from ringback.supervisor.schemas import (
    PriorityChange,
    QueueRead,
    SupervisedAgentRead,
    SupervisorCancel,
    WaitingCallbackRead,
    agent_overview_read,
    queue_read,
    waiting_read,
)
from ringback.workspace.auth import CurrentAgent, SignedInAgent

router = APIRouter(prefix="/api/v1/workspace/supervisor", tags=["workspace", "supervisor"])


async def current_supervisor(me: CurrentAgent) -> SignedInAgent:
    """The signed-in agent, who must hold the supervisor or admin role."""
    service.check_supervisor(me.agent)
    return me


CurrentSupervisor = Annotated[SignedInAgent, Depends(current_supervisor)]


@router.get("/queues", response_model=list[QueueRead])
async def queues(me: CurrentSupervisor, runtime: RuntimeDep) -> list[QueueRead]:
    """One row per active service: callbacks waiting, offered and scheduled; agents Ready."""
    async with runtime.db.transaction() as session:
        rows = await service.queues(session)
    now = runtime.clock.now()
    return [queue_read(row, now) for row in rows]


@router.get("/callbacks", response_model=list[WaitingCallbackRead])
async def waiting_callbacks(
    me: CurrentSupervisor,
    runtime: RuntimeDep,
    service_name: Annotated[str | None, Query(alias="service", max_length=63)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[WaitingCallbackRead]:
    """Callbacks no agent has taken yet, oldest first: queued and offered, then scheduled."""
    async with runtime.db.transaction() as session:
        rows = await service.waiting_callbacks(
            session, service_name=service_name, limit=limit, now=runtime.clock.now()
        )
    return [waiting_read(row) for row in rows]


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
