"""Every SQL statement about agents, their sessions and their channel status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ringback.agents.models import (
    Agent,
    AgentChannel,
    AgentChannelStatus,
    AgentFavorite,
    AgentSession,
    AgentStatus,
)


async def by_login(session: AsyncSession, login: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.login == login))


async def by_id(session: AsyncSession, agent_id: int) -> Agent | None:
    return await session.get(Agent, agent_id)


async def by_place(session: AsyncSession, place: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.place == place, Agent.active))


async def all_agents(session: AsyncSession) -> Sequence[Agent]:
    return (await session.scalars(select(Agent).order_by(Agent.position, Agent.login))).all()


async def session_by_token_hash(session: AsyncSession, token_hash: str) -> AgentSession | None:
    return await session.scalar(select(AgentSession).where(AgentSession.token_hash == token_hash))


async def live_sessions(
    session: AsyncSession, agent_id: int, now: datetime
) -> Sequence[AgentSession]:
    return (
        await session.scalars(
            select(AgentSession).where(
                AgentSession.agent_id == agent_id,
                AgentSession.ended_at.is_(None),
                AgentSession.expires_at > now,
            )
        )
    ).all()


def _locked(query: Select[AgentChannelStatus]) -> Select[AgentChannelStatus]:
    """``query`` locking its status rows, and reading them afresh into the session.

    A status row is written back with the version it was read at: one read without the lock
    can be changed meanwhile (a routing pass's offer, another sign-in), and the write then
    fails. All of an agent's rows are taken in channel order: two such changes queue, and
    never deadlock.
    """
    return query.with_for_update().execution_options(populate_existing=True)


async def channel_status(
    session: AsyncSession, agent_id: int, channel: AgentChannel, *, for_update: bool = False
) -> AgentChannelStatus | None:
    query = select(AgentChannelStatus).where(
        AgentChannelStatus.agent_id == agent_id, AgentChannelStatus.channel == channel
    )
    return await session.scalar(_locked(query) if for_update else query)


async def channel_statuses(
    session: AsyncSession, agent_id: int, *, for_update: bool = False
) -> Sequence[AgentChannelStatus]:
    """The agent's status on each channel; ``for_update`` to change them (see ``_locked``)."""
    query = (
        select(AgentChannelStatus)
        .where(AgentChannelStatus.agent_id == agent_id)
        .order_by(AgentChannelStatus.channel)
    )
    return (await session.scalars(_locked(query) if for_update else query)).all()


async def all_channel_statuses(session: AsyncSession) -> Sequence[AgentChannelStatus]:
    return (await session.scalars(select(AgentChannelStatus))).all()


def _free_agents_statement() -> Any:
    other = aliased(AgentChannelStatus)
    return (
        select(AgentChannelStatus, Agent)
        .join(Agent, Agent.id == AgentChannelStatus.agent_id)
        .where(
            AgentChannelStatus.channel == bindparam("channel"),
            AgentChannelStatus.status == AgentStatus.READY,
            AgentChannelStatus.offered.is_(None),
            AgentChannelStatus.busy_with.is_(None),
            Agent.active,
            # One interaction at a time: nothing offered or in hand on the other channels either.
            ~select(other.agent_id)
            .where(
                other.agent_id == AgentChannelStatus.agent_id,
                other.channel != AgentChannelStatus.channel,
                or_(other.offered.is_not(None), other.busy_with.is_not(None)),
            )
            .exists(),
        )
        .order_by(AgentChannelStatus.idle_since)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True, of=AgentChannelStatus)
    )


# Built once: building it took longer than running it (every routing pass asks, per channel).
_FREE_AGENTS = _free_agents_statement()


async def free_agents(
    session: AsyncSession, channel: AgentChannel, *, limit: int
) -> Sequence[tuple[AgentChannelStatus, Agent]]:
    """Ready agents holding nothing on ``channel``, longest idle first, locked for routing.

    Rows another routing engine holds are skipped, so two engines never offer to one agent.
    """
    rows = await session.execute(_FREE_AGENTS, {"channel": channel, "limit": limit})
    return [(status, agent) for status, agent in rows]


async def signed_in(session: AsyncSession, channel: AgentChannel) -> Sequence[Row[list[str], bool]]:
    """(skills, free) of each active agent working on ``channel``: Ready, whether idle (free) or
    holding an offer or an interaction, or in After Call Work. One row per agent: bounded by
    the staff, not by the traffic."""
    free = and_(
        AgentChannelStatus.status == AgentStatus.READY,
        AgentChannelStatus.offered.is_(None),
        AgentChannelStatus.busy_with.is_(None),
    )
    return (
        await session.execute(
            select(Agent.skills, free)
            .join(Agent, Agent.id == AgentChannelStatus.agent_id)
            .where(
                AgentChannelStatus.channel == channel,
                AgentChannelStatus.status.in_([AgentStatus.READY, AgentStatus.AFTER_CALL_WORK]),
                Agent.active,
            )
        )
    ).all()


async def acw_ending(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[AgentChannelStatus]:
    return (
        await session.scalars(
            select(AgentChannelStatus)
            .where(AgentChannelStatus.acw_until.is_not(None), AgentChannelStatus.acw_until <= now)
            .order_by(AgentChannelStatus.acw_until)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def next_acw_end(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(AgentChannelStatus.acw_until)
        .where(AgentChannelStatus.acw_until.is_not(None))
        .order_by(AgentChannelStatus.acw_until)
        .limit(1)
    )


async def targets(session: AsyncSession, agent_id: int, kind: str) -> Sequence[AgentFavorite]:
    return (
        await session.scalars(
            select(AgentFavorite)
            .where(AgentFavorite.agent_id == agent_id, AgentFavorite.kind == kind)
            .order_by(AgentFavorite.used_at.desc())
        )
    ).all()


async def target(
    session: AsyncSession, agent_id: int, kind: str, address: str
) -> AgentFavorite | None:
    return await session.get(AgentFavorite, (agent_id, kind, address))


async def search(session: AsyncSession, text: str, *, limit: int) -> Sequence[Agent]:
    pattern = f"%{text.lower()}%"
    return (
        await session.scalars(
            select(Agent)
            .where(
                Agent.active,
                or_(
                    func.lower(Agent.name).like(pattern),
                    func.lower(Agent.login).like(pattern),
                    Agent.place == text,
                ),
            )
            .order_by(Agent.name)
            .limit(limit)
        )
    ).all()
