"""Every SQL statement about interactions, their history and the agent event stream."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents.models import Agent
from ringback.interactions.models import AgentEvent, Interaction, InteractionHistory
from ringback.interactions.states import FINAL_STATES, InteractionState


async def get(
    session: AsyncSession, interaction_id: uuid.UUID, *, for_update: bool = False
) -> Interaction | None:
    query = select(Interaction).where(Interaction.id == interaction_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def by_call(session: AsyncSession, call_id: str) -> Interaction | None:
    return await session.scalar(
        select(Interaction).where(Interaction.call_id == call_id).with_for_update()
    )


async def by_consultation(session: AsyncSession, consultation_id: str) -> Interaction | None:
    return await session.scalar(
        select(Interaction).where(Interaction.consultation_id == consultation_id).with_for_update()
    )


async def open_offer_for_callback(
    session: AsyncSession, callback_id: uuid.UUID
) -> Interaction | None:
    return await session.scalar(
        select(Interaction)
        .where(
            Interaction.callback_id == callback_id, Interaction.state == InteractionState.OFFERED
        )
        .with_for_update()
    )


async def expired_offers(session: AsyncSession, now: datetime, limit: int) -> Sequence[Interaction]:
    return (
        await session.scalars(
            select(Interaction)
            .where(Interaction.offer_expires_at.is_not(None), Interaction.offer_expires_at <= now)
            .order_by(Interaction.offer_expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def next_offer_expiry(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(Interaction.offer_expires_at)
        .where(Interaction.offer_expires_at.is_not(None))
        .order_by(Interaction.offer_expires_at)
        .limit(1)
    )


async def refusals_since(
    session: AsyncSession, callback_ids: Sequence[uuid.UUID], since: datetime
) -> list[tuple[uuid.UUID, int, datetime]]:
    """(callback, agent, when) where the agent rejected or let the offer lapse since ``since``."""
    if not callback_ids:
        return []
    rows = await session.execute(
        select(Interaction.callback_id, Interaction.agent_id, Interaction.ended_at).where(
            Interaction.callback_id.in_(callback_ids),
            Interaction.state.in_([InteractionState.REJECTED, InteractionState.TIMED_OUT]),
            Interaction.ended_at >= since,
        )
    )
    return [(callback_id, agent_id, at) for callback_id, agent_id, at in rows if at is not None]


async def for_agent(
    session: AsyncSession, agent_id: int, *, open_only: bool, limit: int = 50
) -> Sequence[Interaction]:
    query = select(Interaction).where(Interaction.agent_id == agent_id)
    if open_only:
        query = query.where(Interaction.state.not_in(FINAL_STATES))
    else:
        query = query.where(Interaction.state == InteractionState.DONE)
    return (await session.scalars(query.order_by(Interaction.created_at.desc()).limit(limit))).all()


async def on_calls(
    session: AsyncSession, states: Sequence[InteractionState]
) -> Sequence[Interaction]:
    return (
        await session.scalars(
            select(Interaction).where(Interaction.state.in_(states)).with_for_update()
        )
    ).all()


async def handed_over(session: AsyncSession, interaction_id: uuid.UUID) -> bool:
    """Whether a transfer gave this interaction's customer to another agent (a conference
    brings a colleague in, and the customer stays with this agent)."""
    found = await session.scalar(
        select(Interaction.id)
        .join(InteractionHistory, InteractionHistory.interaction_id == Interaction.id)
        .where(
            Interaction.transferred_from == interaction_id,
            InteractionHistory.kind == "transferred_in",
        )
        .limit(1)
    )
    return found is not None


async def handed_over_from(session: AsyncSession, interaction: Interaction) -> list[Interaction]:
    """The interaction and, before it, the colleagues' it was handed over from, newest first."""
    chain = [interaction]
    while chain[-1].transferred_from is not None and len(chain) < 20:
        source = await get(session, chain[-1].transferred_from)
        if source is None or source in chain:
            break
        chain.append(source)
    return chain


async def first_entry(
    session: AsyncSession, interaction_id: uuid.UUID, *, kinds: Collection[str]
) -> InteractionHistory | None:
    return await session.scalar(
        select(InteractionHistory)
        .where(
            InteractionHistory.interaction_id == interaction_id,
            InteractionHistory.kind.in_(list(kinds)),
        )
        .order_by(InteractionHistory.id)
        .limit(1)
    )


async def last_entry(
    session: AsyncSession, interaction_id: uuid.UUID, *, kinds: Collection[str]
) -> InteractionHistory | None:
    return await session.scalar(
        select(InteractionHistory)
        .where(
            InteractionHistory.interaction_id == interaction_id,
            InteractionHistory.kind.in_(list(kinds)),
        )
        .order_by(InteractionHistory.id.desc())
        .limit(1)
    )


async def history_of(
    session: AsyncSession, interaction_ids: Sequence[uuid.UUID]
) -> Sequence[InteractionHistory]:
    """The case histories of several interactions as one, in the order things happened."""
    return (
        await session.scalars(
            select(InteractionHistory)
            .where(InteractionHistory.interaction_id.in_(interaction_ids))
            .order_by(InteractionHistory.at, InteractionHistory.id)
        )
    ).all()


async def agent_names(session: AsyncSession, logins: Iterable[str]) -> dict[str, str]:
    """Login -> name, for the actors of a case history that are agents."""
    wanted = sorted(set(logins))
    if not wanted:
        return {}
    rows = await session.execute(select(Agent.login, Agent.name).where(Agent.login.in_(wanted)))
    return {login: name for login, name in rows}


async def history(session: AsyncSession, interaction_id: uuid.UUID) -> Sequence[InteractionHistory]:
    return (
        await session.scalars(
            select(InteractionHistory)
            .where(InteractionHistory.interaction_id == interaction_id)
            .order_by(InteractionHistory.id)
        )
    ).all()


async def events_after(
    session: AsyncSession,
    *,
    after: int,
    agent_id: int | None,
    limit: int = 500,
) -> Sequence[AgentEvent]:
    """Stream rows after ``after``, in id order: one agent's (``agent_id``) or every row (None,
    supervisors)."""
    query = select(AgentEvent).where(AgentEvent.id > after)
    if agent_id is not None:
        query = query.where(AgentEvent.agent_id == agent_id)
    return (await session.scalars(query.order_by(AgentEvent.id).limit(limit))).all()


async def prune_events(session: AsyncSession, *, before: datetime) -> None:
    """Forget stream rows no screen will ask for again (a reconnect asks for minutes, not days).

    The newest row stays, however old: SQLite numbers a new row after the highest id in the
    table, and an emptied table would hand out ids that screens have already resumed after.
    """
    newest = select(func.max(AgentEvent.id)).scalar_subquery()
    await session.execute(delete(AgentEvent).where(AgentEvent.at < before, AgentEvent.id < newest))


async def last_event_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(AgentEvent.id))) or 0)


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Interaction]:
    if not ids:
        return []
    return (await session.scalars(select(Interaction).where(Interaction.id.in_(ids)))).all()


async def offered_agents(
    session: AsyncSession, callback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Callback -> the agent whose screen shows its open offer."""
    if not callback_ids:
        return {}
    rows = await session.execute(
        select(Interaction.callback_id, Interaction.agent_id).where(
            Interaction.callback_id.in_(callback_ids),
            Interaction.state == InteractionState.OFFERED,
        )
    )
    return {callback_id: agent_id for callback_id, agent_id in rows}
