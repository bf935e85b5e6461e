"""Writing events to the agent stream, in the transaction of the change they describe."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.db import add_in_commit_order
from ringback.interactions.models import AgentEvent

EVENTS = cast(Table, AgentEvent.__table__)


def publish(
    session: AsyncSession,
    *,
    agent_id: int | None,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Queue an event for ``agent_id``'s screens (None: for supervisors only).

    The row commits with the change; the hub pushes it to live WebSockets after the commit, and a
    client that reconnects reads what it missed by event id. Rows show in id order (the row is
    inserted at the commit, see ``add_in_commit_order``), so "after the newest id seen" misses
    none that commits later.
    """
    add_in_commit_order(
        session, EVENTS, {"agent_id": agent_id, "topic": topic, "payload": payload, "at": now}
    )
    session.info["agent_events"] = True
