"""Team Communicator targets: what an agent can transfer, conference or consult to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.callbacks.phones import normalise_phone
from ringback.config import repository as config_repository
from ringback.errors import invalid


@dataclass(frozen=True)
class Target:
    address: str  # what the switch dials
    label: str  # what the agent sees
    kind: str  # agent | queue | routing-point | contact | number


async def resolve(session: AsyncSession, target: str, *, region: str) -> Target:
    """The address of ``agent:<login>``, ``queue:<name>``, ``routing-point:<name>`` or a number."""
    kind, _, name = target.partition(":")
    if kind == "agent" and name:
        agent = await agent_repository.by_login(session, name)
        if agent is None or not agent.active:
            raise invalid("unknown-target", f"there is no agent {name!r}", field="target")
        return Target(f"place:{agent.place}", agent.name, "agent")
    if kind == "queue" and name:
        queues = {q.name for q in await config_repository.all_queues(session) if q.active}
        if name not in queues:
            raise invalid("unknown-target", f"there is no queue {name!r}", field="target")
        return Target(f"queue:{name}", name, "queue")
    if kind == "routing-point" and name:
        points = {p.name for p in await config_repository.all_routing_points(session) if p.active}
        if name not in points:
            raise invalid("unknown-target", f"there is no routing point {name!r}", field="target")
        return Target(f"routing-point:{name}", name, "routing-point")
    number = normalise_phone(target, region, field="target")
    return Target(number, number, "number")
