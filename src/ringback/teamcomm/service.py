"""Search across agents, queues, routing points and contacts; favorites and recents per agent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentFavorite
from ringback.agents.schemas import ChannelStatusRead, status_read
from ringback.config import repository as config_repository
from ringback.contacts.service import search_contacts
from ringback.errors import invalid, not_found

FAVORITE, RECENT = "favorite", "recent"
KINDS = ("agent", "queue", "routing-point", "contact")
MAX_RECENTS = 10


@dataclass(frozen=True)
class Entry:
    kind: str
    target: str  # what transfer, conference and consultation take: "agent:bob", "+4420..."
    label: str
    detail: str  # an agent's status, a queue's description, a contact's number
    statuses: list[ChannelStatusRead] = field(default_factory=list)  # an agent's, per channel


async def search(
    session: AsyncSession, *, text: str, kinds: Sequence[str], region: str, limit: int = 20
) -> list[Entry]:
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise invalid("unknown-kind", f"search kinds are {', '.join(KINDS)}", field="kinds")
    needle = text.strip().lower()
    found: list[Entry] = []
    if "agent" in kinds:
        for agent in await agent_repository.search(session, text.strip(), limit=limit):
            statuses = await agent_repository.channel_statuses(session, agent.id)
            detail = ", ".join(
                f"{s.channel}: {'busy' if s.busy_with else str(s.status).replace('_', ' ')}"
                for s in statuses
            )
            found.append(
                Entry(
                    "agent",
                    f"agent:{agent.login}",
                    agent.name,
                    detail,
                    [status_read(s) for s in statuses],
                )
            )
    if "queue" in kinds:
        for queue in await config_repository.all_queues(session):
            description = str(queue.settings.get("description", ""))
            if queue.active and (needle in queue.name.lower() or needle in description.lower()):
                found.append(Entry("queue", f"queue:{queue.name}", queue.name, description))
    if "routing-point" in kinds:
        for point in await config_repository.all_routing_points(session):
            if point.active and (
                needle in point.name.lower() or needle in point.description.lower()
            ):
                found.append(
                    Entry(
                        "routing-point",
                        f"routing-point:{point.name}",
                        point.name,
                        point.description,
                    )
                )
    if "contact" in kinds and needle:
        contacts = await search_contacts(session, query=text, region=region, limit=limit)
        for contact in contacts.contacts:
            for phone in contact.phones:
                found.append(
                    Entry("contact", phone.number, contact.display_name, phone.label or "phone")
                )
    return found[:limit]


async def targets(session: AsyncSession, *, agent: Agent, kind: str) -> Sequence[AgentFavorite]:
    return await agent_repository.targets(session, agent.id, kind)


async def add_favorite(
    session: AsyncSession, *, agent: Agent, target: str, label: str, now: datetime
) -> None:
    await _remember(session, agent, FAVORITE, target, label, now)


async def remove_favorite(session: AsyncSession, *, agent: Agent, target: str) -> None:
    row = await agent_repository.target(session, agent.id, FAVORITE, target)
    if row is None:
        raise not_found("favorite-not-found", f"{target} is not among your favorites")
    await session.delete(row)


async def used(
    session: AsyncSession, *, agent: Agent, target: str, label: str, now: datetime
) -> None:
    """Put a target at the top of the agent's recents (kept to the last ten)."""
    await _remember(session, agent, RECENT, target, label, now)
    for old in list(await agent_repository.targets(session, agent.id, RECENT))[MAX_RECENTS:]:
        await session.delete(old)


async def _remember(
    session: AsyncSession, agent: Agent, kind: str, target: str, label: str, now: datetime
) -> None:
    row = await agent_repository.target(session, agent.id, kind, target)
    if row is None:
        session.add(
            AgentFavorite(agent_id=agent.id, kind=kind, target=target, label=label, used_at=now)
        )
    else:
        row.label, row.used_at = label, now
    await session.flush()
