"""A simulated shift through the real services, on SQLite and PostgreSQL: callbacks are asked
for, routed by the routing engine, accepted, marked done and wrapped up by agents on the
controllable clock, and the position each got when it queued is compared with its wait.

test_wait_estimates_day.py measures the model over many days without a database; this one
checks that what the position endpoint reads (agents, the queue's history, After Call Work)
gives the same kind of estimate when the real use cases write it.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.support import ALWAYS_OPEN, TEST_CONFIG

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.callbacks import service
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.waits import CONFIGURED_HANDLE_TIME, POSITION_MODEL
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.interactions import offers, wrapup
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionState
from ringback.routing.engine import RoutingEngine

pytestmark = pytest.mark.anyio
STAFF = service.Caller(actor="test")
CONFIGURED_HANDLE = 300
SHIFT_CONFIG = (
    TEST_CONFIG
    + f"""
[[queues]]
name = "shift"
skills = ["shift"]

[[services]]
name = "shift"
queue = "shift"
time_zone = "UTC"
default_region = "GB"
channel = "webcallback"
calling_window = "00:00-24:00"
min_lead_minutes = 0
average_handle_seconds = {CONFIGURED_HANDLE}
after_call_work_seconds = 20
after_call_work_then = "ready"
[services.office_hours]
{ALWAYS_OPEN}"""
)
AGENTS = ("ann", "ben", "cat")
MINUTES = 60
ARRIVALS_PER_HOUR = 40
TALK_MEAN, TALK_CV = 200.0, 0.6


class Shift:
    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db, self.clock = db, clock
        self.random = random.Random(7)
        self.start = clock.now()
        self.events: list[tuple[float, int, Callable[[], Awaitable[None]]]] = []
        self.sequence = 0
        self.routing = RoutingEngine(db, clock)
        self.seen: set[uuid.UUID] = set()  # offers already answered or planned
        self.estimates: dict[uuid.UUID, service.Position] = {}
        self.queued_at: dict[uuid.UUID, float] = {}
        self.waited: dict[uuid.UUID, float] = {}

    def at(self, seconds: float, action: Callable[[], Awaitable[None]]) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (seconds, self.sequence, action))

    def now(self) -> float:
        return (self.clock.now() - self.start).total_seconds()

    async def run(self) -> None:
        async with self.db.transaction() as session:
            for n, login in enumerate(AGENTS):
                agent = await agents.create_agent(
                    session,
                    login=login,
                    name=login.title(),
                    place=f"40{n:02d}",
                    skills=["shift"],
                    now=self.clock.now(),
                )
                await session.flush()
                await agents.set_status(
                    session,
                    agent=agent,
                    channel=AgentChannel.WEBCALLBACK,
                    status=AgentStatus.READY,
                    reason=None,
                    now=self.clock.now(),
                )
        t = 0.0
        while (t := t + self.random.expovariate(ARRIVALS_PER_HOUR / 3600)) < MINUTES * 60:
            self.at(t, self.arrive)
        # Ann takes a 15-minute break in the middle of the shift: the queue grows meanwhile.
        self.at(20 * 60, lambda: self.status("ann", AgentStatus.NOT_READY))
        self.at(35 * 60, lambda: self.status("ann", AgentStatus.READY))
        while self.events:
            seconds, _, action = heapq.heappop(self.events)
            self.clock.set(self.start + timedelta(seconds=seconds))
            await action()
            offered = 0
            while made := await self.routing.route_once():
                offered += made
            if offered:
                await self.answer_offers()

    async def arrive(self) -> None:
        async with self.db.transaction() as session:
            made = await service.create_callback(
                session,
                request=CallbackCreate(
                    service="shift", phone=f"+44 20 7946 {1000 + len(self.queued_at)}"
                ),
                caller=STAFF,
                now=self.clock.now(),
            )
        callback_id = made.callback.id
        self.queued_at[callback_id] = self.now()
        async with self.db.transaction() as session:
            self.estimates[callback_id] = await service.position(
                session, callback_id=callback_id, caller=STAFF, now=self.clock.now()
            )

    async def status(self, login: str, status: AgentStatus) -> None:
        async with self.db.transaction() as session:
            agent = await agent_repository.by_login(session, login)
            assert agent is not None
            await agents.set_status(
                session,
                agent=agent,
                channel=AgentChannel.WEBCALLBACK,
                status=status,
                reason="break" if status is AgentStatus.NOT_READY else None,
                now=self.clock.now(),
            )

    async def answer_offers(self) -> None:
        async with self.db.transaction() as session:
            offered = (
                await session.scalars(
                    select(Interaction)
                    .where(Interaction.state == InteractionState.OFFERED)
                    .order_by(Interaction.agent_id)  # the same draws on both engines
                )
            ).all()
        for interaction in offered:
            if interaction.id not in self.seen:
                self.seen.add(interaction.id)
                accept_at = self.now() + self.random.uniform(3, 12)
                self.at(accept_at, self.accept(interaction, interaction.callback_id))

    def accept(
        self, interaction: Interaction, callback_id: uuid.UUID
    ) -> Callable[[], Awaitable[None]]:
        interaction_id, agent_id = interaction.id, interaction.agent_id

        async def accepted() -> None:
            async with self.db.transaction() as session:
                agent = await agent_repository.by_id(session, agent_id)
                assert agent is not None
                handling = await offers.accept(
                    session, interaction_id=interaction_id, agent=agent, now=self.clock.now()
                )
            assert handling.interaction.state is InteractionState.PREVIEW
            self.waited[callback_id] = self.now() - self.queued_at[callback_id]
            sigma = math.sqrt(math.log(1 + TALK_CV**2))
            talk = self.random.lognormvariate(math.log(TALK_MEAN) - sigma**2 / 2, sigma)
            self.at(self.now() + talk, self.done(interaction_id, agent_id))

        return accepted

    def done(self, interaction_id: uuid.UUID, agent_id: int) -> Callable[[], Awaitable[None]]:
        async def marked_done() -> None:
            async with self.db.transaction() as session:
                agent = await agent_repository.by_id(session, agent_id)
                assert agent is not None
                await wrapup.mark_done(
                    session, interaction_id=interaction_id, agent=agent, now=self.clock.now()
                )
            self.at(self.now() + 20, self.after_call_work)

        return marked_done

    async def after_call_work(self) -> None:
        async with self.db.transaction() as session:
            await agents.end_after_call_work(session, now=self.clock.now())


async def test_estimates_on_a_shift_through_the_real_services(
    db: Database, clock: ManualClock
) -> None:
    async with db.transaction() as session:
        await apply_config(
            session, config=parse_config(SHIFT_CONFIG, source="shift.toml"), now=clock.now()
        )
    shift = Shift(db, clock)
    await shift.run()

    assert set(shift.waited) == set(shift.queued_at)  # every callback was taken
    positions = shift.estimates
    methods = [positions[c].method for c in sorted(positions, key=shift.queued_at.__getitem__)]
    # The first callbacks have no history to go on; once some are handled, the queue's own.
    assert methods[0] == CONFIGURED_HANDLE_TIME and methods[-1] == POSITION_MODEL
    measured = [c for c in positions if positions[c].method == POSITION_MODEL]
    expected, p90 = {}, {}
    for c in measured:
        wait, high = positions[c].estimated_wait, positions[c].estimated_wait_p90
        assert wait is not None and high is not None
        expected[c], p90[c] = wait.total_seconds(), high.total_seconds()
    absolute = {
        "position": [abs(expected[c] - shift.waited[c]) for c in measured],
        "constant": [
            abs((positions[c].ahead or 0) * CONFIGURED_HANDLE - shift.waited[c]) for c in measured
        ],
    }
    covered = sum(shift.waited[c] <= p90[c] for c in measured)
    waits = list(shift.waited.values())
    print(
        f"\n{len(waits)} callbacks, {len(measured)} estimated from the queue's history; waits:"
        f" mean {statistics.fmean(waits):.0f} s, max {max(waits):.0f} s"
    )
    for model, errors in absolute.items():
        print(
            f"{model:>9}: MAE {statistics.fmean(errors):5.0f} s, median |error|"
            f" {statistics.median(errors):5.0f} s, within 2 min"
            f" {sum(e <= 120 for e in errors) / len(errors):4.0%}"
        )
    print(f"p90 covered {covered / len(measured):.0%} of waits")
    assert max(waits) > 300  # the break made a real queue
    assert statistics.fmean(absolute["position"]) < statistics.fmean(absolute["constant"]) / 2
    assert statistics.fmean(absolute["position"]) < 150  # 102 s when last measured
    assert covered / len(measured) >= 0.7
