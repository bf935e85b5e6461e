"""Workspace API: the Responses view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from ringback.contacts import service as contacts
from ringback.interactions.common import load
from ringback.responses import service
from ringback.responses.fields import substitution_fields
from ringback.responses.schemas import (
    CategoryRead,
    ResponsePage,
    ResponseRendered,
    response_read,
)
from ringback.runtime import RuntimeDep
from ringback.workspace.auth import CurrentAgent

router = APIRouter(prefix="/api/v1/workspace/responses", tags=["responses"])


@router.get("", response_model=ResponsePage)
async def search(
    me: CurrentAgent,
    runtime: RuntimeDep,
    q: str = "",
    category: str | None = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ResponsePage:
    async with runtime.db.transaction() as session:
        found = await service.search_responses(
            session, query=q, service=service_name, category=category, limit=limit, offset=offset
        )
        return ResponsePage(
            items=[response_read(r) for r in found.responses], next_offset=found.next_offset
        )


@router.get("/categories", response_model=list[CategoryRead])
async def categories(
    me: CurrentAgent,
    runtime: RuntimeDep,
    service_name: Annotated[str | None, Query(alias="service")] = None,
) -> list[CategoryRead]:
    async with runtime.db.transaction() as session:
        rows = await service.list_categories(session, service=service_name)
    return [CategoryRead(name=name, responses=count) for name, count in rows]


@router.get("/{code}", response_model=ResponseRendered)
async def rendered(
    code: str, me: CurrentAgent, runtime: RuntimeDep, interaction: uuid.UUID | None = None
) -> ResponseRendered:
    """A response with its fields filled in for one of my interactions (or only the agent's)."""
    async with runtime.db.transaction() as session:
        fields = substitution_fields(agent_name=me.agent.name)
        if interaction is not None:
            handling = await load(session, interaction, agent=me.agent, write=False)
            contact_id = handling.callback.contact_id
            fields = substitution_fields(
                contact=await contacts.get_contact(session, contact_id=contact_id)
                if contact_id
                else None,
                agent_name=me.agent.name,
                callback=handling.callback,
                service=handling.service,
            )
        response, text = await service.render_standard_response(session, code=code, fields=fields)
    return ResponseRendered(**response_read(response).model_dump(), rendered=text)
