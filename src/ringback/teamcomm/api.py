"""Workspace API: Team Communicator search, favorites and recents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ringback.agents.schemas import ChannelStatusRead
from ringback.runtime import RuntimeDep
from ringback.teamcomm import service
from ringback.workspace.auth import CurrentAgent

router = APIRouter(prefix="/api/v1/workspace/team-communicator", tags=["team-communicator"])


class EntryRead(BaseModel):
    kind: str
    target: str = Field(description="Pass as `target` to transfer, conference or consultation.")
    label: str
    detail: str
    statuses: list[ChannelStatusRead] = Field(
        default_factory=list,
        description="An agent's status on each channel, as `detail` says it (empty for others).",
    )


class TargetRead(BaseModel):
    target: str
    label: str


class FavoriteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(max_length=120)
    label: str = Field(max_length=200)


@router.get("", response_model=list[EntryRead])
async def search(
    me: CurrentAgent,
    runtime: RuntimeDep,
    q: str = "",
    kinds: Annotated[
        str, Query(description="Comma-separated: agent,queue,routing-point,contact")
    ] = ("agent,queue,routing-point,contact"),
    region: Annotated[str, Query(min_length=2, max_length=2)] = "US",
) -> list[EntryRead]:
    async with runtime.db.transaction() as session:
        found = await service.search(
            session,
            text=q,
            kinds=[k.strip() for k in kinds.split(",") if k.strip()],
            region=region.upper(),
        )
    return [
        EntryRead(kind=e.kind, target=e.target, label=e.label, detail=e.detail, statuses=e.statuses)
        for e in found
    ]


@router.get("/favorites", response_model=list[TargetRead])
async def favorites(me: CurrentAgent, runtime: RuntimeDep) -> list[TargetRead]:
    async with runtime.db.transaction() as session:
        rows = await service.targets(session, agent=me.agent, kind=service.FAVORITE)
        return [TargetRead(target=r.target, label=r.label) for r in rows]


@router.put("/favorites", response_model=list[TargetRead])
async def add_favorite(
    body: FavoriteBody, me: CurrentAgent, runtime: RuntimeDep
) -> list[TargetRead]:
    async with runtime.db.transaction() as session:
        await service.add_favorite(
            session, agent=me.agent, target=body.target, label=body.label, now=runtime.clock.now()
        )
        rows = await service.targets(session, agent=me.agent, kind=service.FAVORITE)
        return [TargetRead(target=r.target, label=r.label) for r in rows]


@router.delete("/favorites", status_code=204)
async def remove_favorite(me: CurrentAgent, runtime: RuntimeDep, target: str) -> None:
    async with runtime.db.transaction() as session:
        await service.remove_favorite(session, agent=me.agent, target=target)


@router.get("/recents", response_model=list[TargetRead])
async def recents(me: CurrentAgent, runtime: RuntimeDep) -> list[TargetRead]:
    async with runtime.db.transaction() as session:
        rows = await service.targets(session, agent=me.agent, kind=service.RECENT)
        return [TargetRead(target=r.target, label=r.label) for r in rows]
