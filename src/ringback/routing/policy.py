"""The routing decision as a pure function: no I/O, time passed in.

Waiting callbacks are served by effective priority (priority plus aging per minute waited),
then by the time they joined the queue; each goes to the agent, among those free on its
channel and holding every skill of its queue (and those its data asks for, ``required_skills``),
who has been idle longest. An agent who rejected or missed the callback recently is passed
over; a personal callback waits for its agent until its reservation ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# A callback's data key naming skills it needs beyond its queue's (comma-separated).
REQUIRED_SKILLS_KEY = "required_skills"


def required_skills(data: Mapping[str, object]) -> frozenset[str]:
    """The skills a callback's data asks for, besides its queue's."""
    value = data.get(REQUIRED_SKILLS_KEY)
    if not isinstance(value, str):
        return frozenset()
    return frozenset(skill.strip() for skill in value.split(",") if skill.strip())


@dataclass(frozen=True)
class Waiting:
    callback_id: uuid.UUID
    channel: str
    skills: frozenset[str]
    priority: int
    aging_per_minute: float
    queued_at: datetime
    cooldown: timedelta  # how long an agent who refused it is passed over
    reserved_agent_id: int | None = None
    reserved_until: datetime | None = None
    callable_now: bool = True  # inside office hours and the customer's calling window


@dataclass(frozen=True)
class FreeAgent:
    agent_id: int
    channel: str
    skills: frozenset[str]
    idle_since: datetime | None


@dataclass(frozen=True)
class Refusal:
    callback_id: uuid.UUID
    agent_id: int
    at: datetime


@dataclass(frozen=True)
class Match:
    callback_id: uuid.UUID
    agent_id: int
    channel: str


def aged_priority(
    priority: int, aging_per_minute: float, queued_at: datetime, now: datetime
) -> float:
    """The base priority plus what the callback gained by waiting in the queue."""
    minutes = max(0.0, (now - queued_at).total_seconds() / 60)
    return priority + aging_per_minute * minutes


def effective_priority(waiting: Waiting, now: datetime) -> float:
    return aged_priority(waiting.priority, waiting.aging_per_minute, waiting.queued_at, now)


def route(
    waiting: Sequence[Waiting],
    agents: Sequence[FreeAgent],
    refusals: Sequence[Refusal],
    now: datetime,
    limit: int | None = None,
) -> list[Match]:
    """Pairs to offer now, most urgent first, at most ``limit``: each callback and each agent
    at most once."""
    refused = {(r.callback_id, r.agent_id): r.at for r in refusals}
    by_idle = sorted(
        agents, key=lambda a: (a.idle_since is not None, a.idle_since or now, a.agent_id)
    )
    taken: set[int] = set()
    matches: list[Match] = []
    order = sorted(waiting, key=lambda w: (-effective_priority(w, now), w.queued_at, w.callback_id))
    for callback in order:
        if not callback.callable_now:
            continue
        for agent in by_idle:
            if agent.agent_id in taken or agent.channel != callback.channel:
                continue
            if not callback.skills <= agent.skills:
                continue
            refused_at = refused.get((callback.callback_id, agent.agent_id))
            if refused_at is not None and now - refused_at < callback.cooldown:
                continue
            reserved = callback.reserved_until is not None and now < callback.reserved_until
            if reserved and callback.reserved_agent_id != agent.agent_id:
                continue
            taken.add(agent.agent_id)
            matches.append(Match(callback.callback_id, agent.agent_id, agent.channel))
            break
        if len(matches) == limit:
            break
    return matches
