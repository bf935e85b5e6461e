"""Workspace API: the callback services and their open slots, for any signed-in agent."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from ringback.apitypes import OffsetDateTime
from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import Availability, availability_read
from ringback.config import repository as config_repository
from ringback.runtime import RuntimeDep
from ringback.workspace.auth import CurrentAgent
from ringback.workspace.schemas import AgentServiceRead, agent_service_read

router = APIRouter(prefix="/api/v1/workspace/services", tags=["workspace"])
MAX_DAYS = 31


@router.get("", response_model=list[AgentServiceRead])
async def list_services(me: CurrentAgent, runtime: RuntimeDep) -> list[AgentServiceRead]:
    """Every active callback service, in the configuration's order."""
    async with runtime.db.transaction() as session:
        services = await config_repository.active_services(session)
    now = runtime.clock.now()
    return [agent_service_read(s, now) for s in services]


@router.get("/{service}/availability", response_model=Availability)
async def availability(
    service: str,
    me: CurrentAgent,
    runtime: RuntimeDep,
    start: Annotated[
        OffsetDateTime | None, Query(alias="from", description="With a UTC offset. Default: now.")
    ] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 7,
) -> Availability:
    """Open slots with places left, as the Callback API's availability shows them."""
    now = runtime.clock.now()
    start = start or now
    async with runtime.db.transaction() as session:
        found = await callbacks.service_for(
            session, name=service, caller=callbacks.Caller(actor=me.agent.login)
        )
        slots = await callbacks.availability(
            session, service=found, start=start, end=start + timedelta(days=days), now=now
        )
    return availability_read(found, slots)
