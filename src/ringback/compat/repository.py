"""Every SQL statement of the compatibility surfaces: reads the vendors' APIs need and the
Callback API does not (a search by properties, who handled a callback)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ringback.agents.models import Agent
from ringback.callbacks.models import Callback
from ringback.callbacks.states import CallbackState
from ringback.interactions.models import Interaction


async def search(
    session: AsyncSession,
    *,
    service_id: int,
    phone: str | None = None,
    states: Collection[CallbackState] | None = None,
    data: Mapping[str, str] | None = None,
    any_of: bool = False,
    limit: int,
) -> Sequence[Callback]:
    """A service's callbacks matching every given property (or any, with ``any_of``), newest
    first. A data property matches a callback whose data has that key with that value."""
    conditions: list[ColumnElement[bool]] = []
    if phone is not None:
        conditions.append(Callback.phone == phone)
    if states is not None:
        conditions.append(Callback.state.in_(states))
    for key, value in (data or {}).items():
        conditions.append(Callback.data[key].as_string() == value)
    query = select(Callback).where(Callback.service_id == service_id)
    if conditions:
        query = query.where(or_(*conditions) if any_of else and_(*conditions))
    query = query.order_by(Callback.created_at.desc(), Callback.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def handlings(
    session: AsyncSession, callback_id: uuid.UUID
) -> Sequence[tuple[Interaction, Agent]]:
    """Every interaction of a callback (each offer to an agent), oldest first, with its agent."""
    rows = await session.execute(
        select(Interaction, Agent)
        .join(Agent, Agent.id == Interaction.agent_id)
        .where(Interaction.callback_id == callback_id)
        .order_by(Interaction.offered_at, Interaction.id)
    )
    return [(interaction, agent) for interaction, agent in rows]


async def active_agent(session: AsyncSession, login: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.login == login, Agent.active))
