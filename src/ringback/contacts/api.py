"""Workspace API: the Contact Directory."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from ringback.contacts import service
from ringback.contacts.models import ContactHistoryKind
from ringback.contacts.schemas import (
    ContactCreate,
    ContactHistoryRead,
    ContactMerge,
    ContactNoteCreate,
    ContactPage,
    ContactRead,
    ContactUpdate,
    contact_read,
    history_read,
)
from ringback.runtime import RuntimeDep
from ringback.workspace.auth import CurrentAgent

router = APIRouter(prefix="/api/v1/workspace/contacts", tags=["contacts"])
Region = Annotated[str, Query(min_length=2, max_length=2, description="For national numbers.")]


@router.get("", response_model=ContactPage)
async def search(
    me: CurrentAgent,
    runtime: RuntimeDep,
    q: str = "",
    region: Region = "US",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ContactPage:
    """Search by name, phone (any format) or e-mail."""
    async with runtime.db.transaction() as session:
        found = await service.search_contacts(
            session, query=q, region=region.upper(), limit=limit, offset=offset
        )
        return ContactPage(
            items=[contact_read(c) for c in found.contacts], next_offset=found.next_offset
        )


@router.post("", status_code=201, response_model=ContactRead)
async def create(
    body: ContactCreate, me: CurrentAgent, runtime: RuntimeDep, region: Region = "US"
) -> ContactRead:
    async with runtime.db.transaction() as session:
        contact = await service.create_contact(
            session, request=body, now=runtime.clock.now(), region=region.upper()
        )
        return contact_read(contact)


@router.get("/{contact_id}", response_model=ContactRead)
async def get(contact_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep) -> ContactRead:
    async with runtime.db.transaction() as session:
        return contact_read(await service.get_contact(session, contact_id=contact_id))


@router.put("/{contact_id}", response_model=ContactRead)
async def edit(
    contact_id: uuid.UUID,
    body: ContactUpdate,
    me: CurrentAgent,
    runtime: RuntimeDep,
    region: Region = "US",
) -> ContactRead:
    async with runtime.db.transaction() as session:
        contact = await service.edit_contact(
            session,
            contact_id=contact_id,
            request=body,
            now=runtime.clock.now(),
            region=region.upper(),
        )
        return contact_read(contact)


@router.post("/{contact_id}/merge", response_model=ContactRead)
async def merge(
    contact_id: uuid.UUID, body: ContactMerge, me: CurrentAgent, runtime: RuntimeDep
) -> ContactRead:
    """Merge ``source_id`` into this contact: its numbers, addresses and history move here."""
    async with runtime.db.transaction() as session:
        contact = await service.merge_contacts(
            session,
            source_id=body.source_id,
            target_id=contact_id,
            agent_login=me.agent.login,
            now=runtime.clock.now(),
        )
        return contact_read(contact)


@router.get("/{contact_id}/history", response_model=list[ContactHistoryRead])
async def history(
    contact_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
) -> list[ContactHistoryRead]:
    """Callbacks, notes, dispositions and e-mails of this contact, newest first."""
    async with runtime.db.transaction() as session:
        return [
            history_read(entry) for entry in await service.history(session, contact_id=contact_id)
        ]


@router.post("/{contact_id}/notes", status_code=201, response_model=ContactHistoryRead)
async def add_note(
    contact_id: uuid.UUID, body: ContactNoteCreate, me: CurrentAgent, runtime: RuntimeDep
) -> ContactHistoryRead:
    async with runtime.db.transaction() as session:
        entry = await service.add_history(
            session,
            contact_id=contact_id,
            kind=ContactHistoryKind.NOTE,
            text=body.text,
            now=runtime.clock.now(),
            agent_login=me.agent.login,
            interaction_id=body.interaction_id,
            callback_id=body.callback_id,
        )
    return history_read(entry)  # after the commit, which gave the entry its id
