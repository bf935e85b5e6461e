"""The routing loop: pairs queued callbacks with free agents and offers them.

One pass locks the head of the queues and the free agents with ``SKIP LOCKED``, decides with the
pure policy, and writes the offers in the same transaction. Two engines sharing a PostgreSQL
database therefore never offer one callback twice, nor two callbacks to one agent.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentChannel, AgentChannelStatus
from ringback.callbacks import repository as callback_repository
from ringback.clock import Clock
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.db import Database
from ringback.interactions import repository as interaction_repository
from ringback.interactions.offers import Offer, offer
from ringback.logs import FailureStreak
from ringback.metrics import LoopCounts
from ringback.routing.policy import FreeAgent, Refusal, Waiting, required_skills, route
from ringback.scheduling.window import may_call

log = structlog.get_logger(__name__)
FAILURE_PAUSE = 2.0  # seconds


class RoutingEngine:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        batch_size: int = 20,
        head_size: int = 200,
        max_sleep_seconds: float = 1.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._batch_size = batch_size  # offers per pass at most
        self._head_size = head_size  # queued callbacks considered, and free agents at most
        self._max_sleep = max_sleep_seconds
        self._kick = asyncio.Event()
        self._saw_free_agent = True

    def kick(self) -> None:
        """Route soon: an agent changed, so someone may have become free."""
        self._kick.set()

    def kick_for_callback(self) -> None:
        """A callback was queued: worth a pass only if the last pass found a free agent.

        Under load every agent is busy and callbacks arrive many times a second; a pass per
        arrival would only find nobody free. The capped sleep still routes agents that another
        node freed.
        """
        if self._saw_free_agent:
            self._kick.set()

    async def route_once(self) -> int:
        """One routing pass; returns how many offers it made."""
        async with self._db.transaction() as session:
            # Free agents first: when everyone is busy (the usual case under load) that is all.
            free = await self._free_agents(session, self._batch_size)
            self._saw_free_agent = bool(free)
            if not free:
                return 0
            queued = await callback_repository.queued_for_routing(session, limit=self._head_size)
            if not queued:
                return 0
            # Read the time only now that the head is locked: a pass that waited for the database
            # (SQLite's one writer) or saw a callback committed after it began must not stamp its
            # offers before the changes it read, or the callback's history would go back in time.
            now = self._clock.now()
            services: dict[int, Service] = {}
            for callback in queued:
                if callback.service_id not in services:
                    services[callback.service_id] = await config_repository.service_by_id(
                        session, callback.service_id
                    )
            skills = {
                q.id: frozenset(q.settings.get("skills", []))
                for q in await config_repository.all_queues(session)
            }
            longest = max(s.config.reject_cooldown_seconds for s in services.values())
            refusals = await interaction_repository.refusals_since(
                session, [c.id for c in queued], now - timedelta(seconds=longest)
            )
            # Callable now depends on the service and the customer's zone, which many share.
            callable_now: dict[tuple[int, str | None], bool] = {}
            waiting = []
            for c in queued:
                config = services[c.service_id].config
                zone = (c.service_id, c.customer_time_zone)
                if zone not in callable_now:
                    callable_now[zone] = may_call(
                        service_hours=config.hours,
                        window=config.customer_window,
                        customer_zone=c.customer_time_zone,
                        at=now,
                    )
                waiting.append(
                    Waiting(
                        callback_id=c.id,
                        channel=config.channel,
                        skills=skills.get(c.queue_id, frozenset()) | required_skills(c.data),
                        priority=c.priority,
                        aging_per_minute=config.priority_aging_per_minute,
                        queued_at=c.queued_at or c.created_at,
                        cooldown=timedelta(seconds=config.reject_cooldown_seconds),
                        reserved_agent_id=c.reserved_agent_id,
                        reserved_until=c.reserved_until,
                        callable_now=callable_now[zone],
                    )
                )
            refused = [Refusal(*r) for r in refusals]
            matches = route(waiting, _for_policy(free), refused, now, limit=self._batch_size)
            if len(matches) < min(self._batch_size, len(queued)) and len(free) >= self._batch_size:
                # The longest idle may all lack what the head needs (skills, a reservation, a
                # recent refusal) while someone further down has it: look as deep as the head.
                free = await self._free_agents(session, self._head_size)
                matches = route(waiting, _for_policy(free), refused, now, limit=self._batch_size)
            by_callback = {c.id: c for c in queued}
            # An agent Ready on both channels has a row for each: offer on the callback's own.
            by_agent = {
                (status.agent_id, str(status.channel)): (status, agent) for status, agent in free
            }
            offers = []
            for match in matches:
                callback = by_callback[match.callback_id]
                status, agent = by_agent[(match.agent_id, match.channel)]
                offers.append(Offer(callback, services[callback.service_id], agent, status))
            if offers:
                await offer(session, offers, now=now)
        return len(matches)

    async def _free_agents(
        self, session: AsyncSession, limit: int
    ) -> list[tuple[AgentChannelStatus, Agent]]:
        free: list[tuple[AgentChannelStatus, Agent]] = []
        for channel in AgentChannel:
            free += await agent_repository.free_agents(session, channel, limit=limit)
        return free

    async def run(self, counts: LoopCounts | None = None) -> None:
        streak = FailureStreak(log, "routing pass", counts=counts)
        while True:
            self._kick.clear()
            offers = 0
            try:
                while (made := await self.route_once()) > 0:
                    offers += made
            except Exception as exc:
                streak.failed(exc)
                await asyncio.sleep(FAILURE_PAUSE)  # e.g. the database is down: do not spin
            else:
                streak.succeeded(offers)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=self._max_sleep)


def _for_policy(free: list[tuple[AgentChannelStatus, Agent]]) -> list[FreeAgent]:
    return [
        FreeAgent(status.agent_id, str(status.channel), frozenset(agent.skills), status.idle_since)
        for status, agent in free
    ]
