"""A delayed callback not answered is tried again at the best time to call within the service's
window after its retry delay, when the service says so; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from tests.reports.best_time_support import TRIAL_WEEK, configure, store_dials

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.callbacks import repository as callback_repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.interactions import offers, switch_events, wrapup
from ringback.interactions.models import Interaction
from ringback.metrics import Metrics
from ringback.reports.answer_rates import RecentAnswerRates
from ringback.routing.engine import RoutingEngine
from ringback.telephony.switch import CallState, CallStateChanged, DialCompleted, DialResult
from ringback.timers import Timers

pytestmark = pytest.mark.anyio
CUSTOMER = callbacks.Caller(actor="test")


def mondays_at(hour: int, answered: int, of: int) -> list[tuple[object, bool]]:
    return [
        (
            (TRIAL_WEEK - timedelta(weeks=week)).replace(hour=hour, minute=n).astimezone(UTC),
            n < answered,
        )
        for week in range(1, 5)
        for n in range(of)
    ]


async def not_answered_then_done(db: Database, clock: ManualClock, service: str) -> Callback:
    """Ask at 10:30 in Paris (due 10:40), dial at once, no answer, Mark Done at 10:45."""
    clock.set(TRIAL_WEEK.replace(hour=10, minute=30).astimezone(UTC))
    rates = RecentAnswerRates(monotonic=lambda: 0.0)
    async with db.transaction() as session:
        made = await callbacks.create_callback(
            session,
            request=CallbackCreate(service=service, phone="+33612345678", type="delayed"),
            caller=CUSTOMER,
            now=clock.now(),
            answer_rates=rates,
        )
        ada = await agent_repository.by_login(session, "ada")
        assert ada is not None
        await agents.set_status(
            session,
            agent=ada,
            channel=AgentChannel.VOICE,
            status=AgentStatus.READY,
            reason=None,
            now=clock.now(),
        )
    assert made.callback.due_at == clock.now() + timedelta(minutes=10)  # 10:00-10:59 is good
    clock.advance(timedelta(minutes=10))
    assert await Timers(db, clock, Metrics()).run_once() == 1
    assert await RoutingEngine(db, clock).route_once() == 1
    async with db.transaction() as session:
        interaction_id = await session.scalar(
            select(Interaction.id).where(Interaction.callback_id == made.callback.id)
        )
        handling = await offers.accept(
            session, interaction_id=interaction_id, agent=ada, now=clock.now()
        )
        call_id = handling.interaction.call_id
    assert call_id is not None
    for event in (
        DialCompleted(call_id=call_id, at=clock.now(), result=DialResult.NO_ANSWER),
        CallStateChanged(call_id=call_id, at=clock.now(), state=CallState.RELEASED, cause="far"),
    ):
        async with db.transaction() as session:
            await switch_events.apply(session, event, now=clock.now())
    clock.advance(timedelta(minutes=5))
    async with db.transaction() as session:
        await wrapup.mark_done(
            session, interaction_id=interaction_id, agent=ada, now=clock.now(), answer_rates=rates
        )
        callback = await callback_repository.get(session, made.callback.id)
    assert callback is not None and callback.state is CallbackState.SCHEDULED
    return callback


@pytest.fixture
async def sales(db: Database, clock: ManualClock) -> Database:
    await configure(db, clock.now())
    # Mondays: 70 % from 10:00 to 10:59 and from 17:00 to 17:59, 20 % otherwise.
    dials = [d for hour in range(9, 20) for d in mondays_at(hour, 2, 10) if hour not in (10, 17)]
    dials += mondays_at(10, 7, 10) + mondays_at(17, 7, 10)
    for service in ("plain", "best"):
        await store_dials(db, service, dials)  # type: ignore[arg-type]
    return db


async def test_a_retry_moves_to_the_next_good_hour(sales: Database, clock: ManualClock) -> None:
    callback = await not_answered_then_done(sales, clock, "best")
    # No answer: 15 minutes later is 11:00, a poor hour; 17:00 is the best before 19:00.
    assert callback.due_at == TRIAL_WEEK.replace(hour=17).astimezone(UTC)
    async with sales.transaction() as session:
        entries = await callback_repository.history(session, callback.id)
    retry = entries[-1]
    assert (retry.event, retry.actor) == (CallbackEvent.RETRY, "ada")
    assert retry.reason is not None
    assert retry.reason.startswith("no_answer: next attempt at 2026-06-08T15:00:00+00:00 ")
    assert "(best time to call: moved from 11:00 to 17:00 (Europe/Paris): answer rate " in (
        retry.reason
    )


async def test_without_the_setting_a_retry_waits_its_delay(
    sales: Database, clock: ManualClock
) -> None:
    callback = await not_answered_then_done(sales, clock, "plain")
    assert callback.due_at == TRIAL_WEEK.replace(hour=11).astimezone(UTC)
