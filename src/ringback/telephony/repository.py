"""The switch cursor: each event of a shared switch is applied once, in order, by one node."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.db import upsert
from ringback.telephony.models import SwitchCursor
from ringback.telephony.switch import EventPosition

CURSOR = "switch"


async def position(session: AsyncSession) -> EventPosition | None:
    """Where the event stream was applied up to; None before the first event."""
    row = await session.get(SwitchCursor, CURSOR)
    return EventPosition(row.epoch, row.last_event_id) if row else None


async def advance(session: AsyncSession, to: EventPosition, *, now: datetime) -> bool:
    """Move the cursor to ``to`` unless it is there or beyond; True when it moved.

    The row is locked until the caller's transaction ends, so nodes that receive the same
    event take turns: the first applies it, the others find it applied. A new epoch (the switch
    restarted) always moves it.
    """
    insert = upsert(session)
    await session.execute(
        insert(SwitchCursor)
        .values(name=CURSOR, epoch=to.epoch, last_event_id=-1, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    row = (
        await session.scalars(
            select(SwitchCursor)
            .where(SwitchCursor.name == CURSOR)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    if row.epoch == to.epoch and row.last_event_id >= to.id:
        return False
    row.epoch, row.last_event_id, row.updated_at = to.epoch, to.id, now
    return True
