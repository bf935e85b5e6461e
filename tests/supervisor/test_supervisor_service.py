"""Supervisor use cases on a controllable clock, against SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from tests.support import set_ready

from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentChannel, AgentStatus
from ringback.callbacks import repository as callback_repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import (
    WAITING_LIST_STATES,
    CallbackEvent,
    CallbackState,
    IllegalTransition,
)
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.interactions import repository as interaction_repository
from ringback.interactions.models import AgentEvent, Interaction
from ringback.interactions.states import InteractionState
from ringback.outbox import OutboxEvent
from ringback.routing.engine import RoutingEngine
from ringback.supervisor import service as supervision
from ringback.supervisor.listing import WaitingSort

pytestmark = pytest.mark.anyio
CUSTOMER = callbacks.Caller(actor="api-key:test")


async def request(db: Database, clock: ManualClock, **fields: object) -> Callback:
    body: dict[str, object] = {"service": "anytime", "phone": "+44 20 7946 0071"} | fields
    async with db.transaction() as session:
        made = await callbacks.create_callback(
            session, request=CallbackCreate.model_validate(body), caller=CUSTOMER, now=clock.now()
        )
    return made.callback


async def waiting(
    session: AsyncSession, clock: ManualClock, **filters: Any
) -> supervision.WaitingPage:
    """The waiting list with every filter at its default unless given."""
    asked: dict[str, Any] = {
        "service_name": None,
        "states": WAITING_LIST_STATES,
        "min_wait_seconds": None,
        "sort": WaitingSort.WAITING,
        "cursor": None,
        "limit": 100,
    }
    return await supervision.waiting_callbacks(session, **(asked | filters), now=clock.now())


async def agent(db: Database, login: str) -> Agent:
    async with db.transaction() as session:
        found = await agent_repository.by_login(session, login)
    assert found is not None
    return found


async def test_only_supervisors_and_admins_pass(configured_db: Database) -> None:
    supervision.check_supervisor(await agent(configured_db, "sue"))
    with pytest.raises(RingbackError) as refused:
        supervision.check_supervisor(await agent(configured_db, "ada"))
    assert (refused.value.code, refused.value.status) == ("not-a-supervisor", 403)


async def test_queues_count_waiting_offered_and_scheduled_per_service(
    configured_db: Database, clock: ManualClock
) -> None:
    first = await request(configured_db, clock, phone="+44 20 7946 0071")
    clock.advance(timedelta(minutes=2))
    second = await request(configured_db, clock, phone="+44 20 7946 0072")
    later = await request(
        configured_db,
        clock,
        service="support",
        phone="(212) 555-0142",
        type="scheduled",
        desired_time=(clock.now() + timedelta(hours=2)).isoformat(),
    )
    await set_ready(configured_db, clock, "ada")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    clock.advance(timedelta(seconds=30))
    async with configured_db.transaction() as session:
        rows = {row.service.name: row for row in await supervision.queues(session, now=clock.now())}
    assert list(rows) == ["support", "anytime", "returning", "web", "preview"]
    anytime = rows["anytime"]
    assert (anytime.waiting, anytime.offered, anytime.scheduled) == (1, 1, 0)
    assert anytime.oldest_queued_at == second.queued_at
    assert anytime.next_scheduled_at is None
    # Ada is Ready on voice with the queue's skill, but holds the offer of the first callback.
    assert (anytime.agents_ready, anytime.agents_free) == (1, 0)
    support = rows["support"]
    assert (support.waiting, support.offered, support.scheduled) == (0, 0, 1)
    assert support.oldest_queued_at is None and support.next_scheduled_at == later.due_at
    web = rows["web"]
    assert (web.waiting, web.agents_ready) == (0, 0)  # nobody is Ready on webcallback
    async with configured_db.transaction() as session:
        offered = await session.scalar(select(Interaction))
    assert offered is not None and offered.callback_id == first.id


async def test_waiting_callbacks_oldest_first_with_who_has_the_offer(
    configured_db: Database, clock: ManualClock
) -> None:
    first = await request(configured_db, clock, phone="+44 20 7946 0071")
    clock.advance(timedelta(minutes=2))
    second = await request(configured_db, clock, phone="+44 20 7946 0072")
    later = await request(
        configured_db,
        clock,
        service="support",
        phone="(212) 555-0142",
        type="scheduled",
        desired_time=(clock.now() + timedelta(hours=2)).isoformat(),
    )
    await set_ready(configured_db, clock, "ada")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    clock.advance(timedelta(minutes=3))
    async with configured_db.transaction() as session:
        rows = (await waiting(session, clock, limit=10)).items
        only_support = (await waiting(session, clock, service_name="support", limit=10)).items
        just_one = (await waiting(session, clock, limit=1)).items
    assert [r.callback.id for r in rows] == [first.id, second.id, later.id]
    assert [r.callback.state for r in rows] == [
        CallbackState.OFFERED,
        CallbackState.QUEUED,
        CallbackState.SCHEDULED,
    ]
    assert [r.offered_to for r in rows] == ["ada", None, None]
    # Queued for three minutes: the service's priority 70 plus one point a minute.
    assert [r.effective_priority for r in rows] == [None, 73.0, None]
    assert [r.callback.id for r in only_support] == [later.id]
    assert [r.callback.id for r in just_one] == [first.id]
    async with configured_db.transaction() as session:
        with pytest.raises(RingbackError) as unknown:
            await waiting(session, clock, service_name="nope", limit=10)
    assert (unknown.value.code, unknown.value.status) == ("service-not-found", 404)


async def test_a_new_priority_is_recorded_and_routing_serves_it_first(
    configured_db: Database, clock: ManualClock
) -> None:
    older = await request(configured_db, clock, phone="+44 20 7946 0071")
    clock.advance(timedelta(minutes=1))
    newer = await request(configured_db, clock, phone="+44 20 7946 0072")
    sue = await agent(configured_db, "sue")
    async with configured_db.transaction() as session:
        changed = await supervision.set_priority(
            session,
            supervisor=sue,
            callback_id=newer.id,
            priority=95,
            reason="complaint escalated",
            now=clock.now(),
        )
    assert changed.callback.priority == 95 and changed.callback.state is CallbackState.QUEUED
    async with configured_db.transaction() as session:
        history = await callback_repository.history(session, newer.id)
        topics = (await session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.id))).all()
    last = history[-1]
    assert (last.event, last.from_state, last.to_state) == (
        CallbackEvent.REPRIORITISE,
        CallbackState.QUEUED,
        CallbackState.QUEUED,
    )
    assert last.actor == "supervisor:sue"
    assert last.reason == "priority 70 -> 95: complaint escalated"
    assert topics[-1] == "callback.queued"  # the commit wakes routing
    # The same priority again changes nothing and writes nothing.
    async with configured_db.transaction() as session:
        await supervision.set_priority(
            session, supervisor=sue, callback_id=newer.id, priority=95, reason=None, now=clock.now()
        )
        assert len(await callback_repository.history(session, newer.id)) == len(history)
    await set_ready(configured_db, clock, "ada")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    async with configured_db.transaction() as session:
        offered = await session.scalar(select(Interaction))
        waiting = await callback_repository.get(session, older.id)
    assert offered is not None and offered.callback_id == newer.id
    assert waiting is not None and waiting.state is CallbackState.QUEUED


async def test_a_scheduled_callback_takes_a_priority_but_a_finished_one_does_not(
    configured_db: Database, clock: ManualClock
) -> None:
    later = await request(
        configured_db,
        clock,
        type="scheduled",
        desired_time=(clock.now() + timedelta(hours=1)).isoformat(),
    )
    sue = await agent(configured_db, "sue")
    async with configured_db.transaction() as session:
        changed = await supervision.set_priority(
            session, supervisor=sue, callback_id=later.id, priority=0, reason=None, now=clock.now()
        )
    assert changed.callback.state is CallbackState.SCHEDULED and changed.callback.priority == 0
    async with configured_db.transaction() as session:
        await supervision.cancel(
            session, supervisor=sue, callback_id=later.id, reason=None, now=clock.now()
        )
    with pytest.raises(IllegalTransition) as refused:
        async with configured_db.transaction() as session:
            await supervision.set_priority(
                session,
                supervisor=sue,
                callback_id=later.id,
                priority=10,
                reason=None,
                now=clock.now(),
            )
    assert refused.value.extra == {"state": "cancelled", "event": "reprioritise"}
    with pytest.raises(RingbackError) as missing:
        async with configured_db.transaction() as session:
            await supervision.set_priority(
                session,
                supervisor=sue,
                callback_id=uuid.uuid4(),
                priority=10,
                reason=None,
                now=clock.now(),
            )
    assert missing.value.code == "callback-not-found"


async def test_a_supervisor_cancel_withdraws_the_offer_from_the_agents_screen(
    configured_db: Database, clock: ManualClock
) -> None:
    made = await request(configured_db, clock)
    await set_ready(configured_db, clock, "ada")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    sue, ada = await agent(configured_db, "sue"), await agent(configured_db, "ada")
    async with configured_db.transaction() as session:
        before = await interaction_repository.last_event_id(session)
        cancelled = await supervision.cancel(
            session,
            supervisor=sue,
            callback_id=made.id,
            reason="customer called in",
            now=clock.now(),
        )
    assert cancelled.callback.state is CallbackState.CANCELLED
    assert cancelled.offered_to is None and cancelled.effective_priority is None
    async with configured_db.transaction() as session:
        history = await callback_repository.history(session, made.id)
        interaction = await session.scalar(select(Interaction))
        assert interaction is not None
        case = await interaction_repository.history(session, interaction.id)
        status = await agent_repository.channel_status(session, ada.id, AgentChannel.VOICE)
        topics = (
            await session.scalars(
                select(AgentEvent.topic).where(AgentEvent.id > before).order_by(AgentEvent.id)
            )
        ).all()
    assert (history[-1].event, history[-1].actor, history[-1].reason) == (
        CallbackEvent.CANCEL,
        "supervisor:sue",
        "customer called in",
    )
    assert interaction.state is InteractionState.WITHDRAWN
    assert (case[-1].kind, case[-1].actor) == ("withdrawn", "supervisor:sue")
    assert status is not None and status.offered is None and status.status is AgentStatus.READY
    assert topics == ["agent.status", "interaction.updated"]
    with pytest.raises(IllegalTransition):
        async with configured_db.transaction() as session:
            await supervision.cancel(
                session, supervisor=sue, callback_id=made.id, reason=None, now=clock.now()
            )


async def test_agents_show_each_channel_and_what_is_in_hand(
    configured_db: Database, clock: ManualClock
) -> None:
    made = await request(configured_db, clock, name="Grace Hopper")
    await set_ready(configured_db, clock, "ada")
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    async with configured_db.transaction() as session:
        rows = {row.agent.login: row for row in await supervision.agents(session)}
    assert list(rows) == ["ada", "bob", "sue"]
    ada = rows["ada"]
    assert [(s.channel, s.status) for s in ada.statuses] == [
        (AgentChannel.VOICE, AgentStatus.READY),
        (AgentChannel.WEBCALLBACK, AgentStatus.LOGGED_OUT),
    ]
    assert ada.holding is not None
    assert ada.holding.interaction.state is InteractionState.OFFERED
    assert ada.holding.callback.id == made.id and ada.holding.service.name == "anytime"
    assert ada.statuses[0].offered == ada.holding.interaction.id
    assert rows["bob"].holding is None
