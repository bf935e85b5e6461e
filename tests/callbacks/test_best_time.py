"""Intake moves a delayed callback to the best time to call when its service says so, and says
why in its history; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.reports.best_time_support import PARIS, TRIAL_WEEK, configure, store_dials

from ringback.callbacks import repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.reports.answer_rates import RecentAnswerRates
from ringback.scheduling.best_time import AnswerModel

pytestmark = pytest.mark.anyio
CALLER = callbacks.Caller(actor="test")
NUMBER = "+33612345678"
ASKED = TRIAL_WEEK.replace(hour=10).astimezone(UTC)  # Monday 8 June 2026, 10:00 in Paris


def past_mondays(hour: int, answered: int, of: int, weeks: int = 4) -> list[tuple[datetime, bool]]:
    """``of`` dials at ``hour`` on each of the Mondays before the trial week, ``answered`` of
    them answered."""
    dials = []
    for week in range(1, weeks + 1):
        day = TRIAL_WEEK - timedelta(weeks=week)
        for n in range(of):
            at = day.replace(hour=hour, minute=n % 60).astimezone(UTC)
            dials.append((at, n < answered))
    return dials


# 20 % from 09:00 to 16:59 and 70 % at 18:00 on Mondays: 360 dials.
MONDAYS = [d for hour in range(9, 17) for d in past_mondays(hour, 2, 10)]
MONDAYS += past_mondays(18, 7, 10)


async def ask(
    db: Database, clock: ManualClock, service: str, rates: object | None = None
) -> Callback:
    clock.set(ASKED)
    request = CallbackCreate(service=service, phone=NUMBER, type="delayed")
    async with db.transaction() as session:
        created = await callbacks.create_callback(
            session,
            request=request,
            caller=CALLER,
            now=clock.now(),
            answer_rates=rates or RecentAnswerRates(),  # type: ignore[arg-type]
        )
    return created.callback


@pytest.fixture
async def sales(db: Database, clock: ManualClock) -> Database:
    await configure(db, clock.now())
    for service in ("plain", "best", "wary"):
        await store_dials(db, service, MONDAYS)
    return db


async def test_a_delayed_callback_moves_to_the_hour_that_answers_best(
    sales: Database, clock: ManualClock
) -> None:
    callback = await ask(sales, clock, "best")  # may be called until 18:10
    assert callback.state is CallbackState.SCHEDULED
    # The time chosen is the callback's promise; the time first planned is in its history.
    assert callback.desired_time == callback.due_at == TRIAL_WEEK.replace(hour=18).astimezone(UTC)
    async with sales.transaction() as session:
        entries = await repository.history(session, callback.id)
    assert [(e.event, e.actor) for e in entries] == [
        (CallbackEvent.CREATE, "test"),
        (CallbackEvent.RESCHEDULE, "scheduler"),
    ]
    assert entries[1].reason == (
        "best time to call: moved from 10:10 to 18:00 (Europe/Paris): "
        "answer rate 61 % against 21 %, from 360 calls"
    )


async def test_the_number_own_history_counts_once_it_has_enough(
    sales: Database, clock: ManualClock
) -> None:
    # This customer has answered every one of 20 calls at 11:00 on Mondays.
    await store_dials(sales, "best", past_mondays(11, 5, 5), phone=NUMBER)
    callback = await ask(sales, clock, "best")
    assert callback.due_at == TRIAL_WEEK.replace(hour=11).astimezone(UTC)
    async with sales.transaction() as session:
        entries = await repository.history(session, callback.id)
    assert entries[-1].reason is not None
    assert entries[-1].reason.startswith("best time to call: moved from 10:10 to 11:00 ")
    assert entries[-1].reason.endswith("from 380 calls (20 to this number)")


async def test_too_short_a_history_leaves_the_callback_where_it_was(
    sales: Database, clock: ManualClock
) -> None:
    callback = await ask(sales, clock, "wary")  # wants 100,000 dials first
    assert callback.due_at == ASKED + timedelta(minutes=10)
    async with sales.transaction() as session:
        entries = await repository.history(session, callback.id)
    assert [e.event for e in entries] == [CallbackEvent.CREATE]


class Unread:
    """Answer rates that must not be read."""

    async def __call__(self, *args: object, **kwargs: object) -> AnswerModel | None:
        raise AssertionError("a service without best_time_to_call read answer rates")


async def test_a_service_without_the_setting_reads_no_answer_rates(
    sales: Database, clock: ManualClock
) -> None:
    callback = await ask(sales, clock, "plain", Unread())
    assert callback.due_at == ASKED + timedelta(minutes=10)
    clock.set(ASKED)
    request = CallbackCreate(service="best", phone="+33612345679", type="immediate")
    async with sales.transaction() as session:
        created = await callbacks.create_callback(
            session,
            request=request,
            caller=CALLER,
            now=clock.now(),
            answer_rates=Unread(),
        )
    assert created.callback.state is CallbackState.QUEUED  # immediate: never moved


async def test_a_services_answer_rates_are_read_once_a_minute(
    sales: Database, clock: ManualClock
) -> None:
    seconds = [0.0]
    rates = RecentAnswerRates(monotonic=lambda: seconds[0])
    now = ASKED

    async def answered_at_18() -> float:
        async with sales.transaction() as session:
            model = await rates(
                session, service_id=service_id, zone=PARIS, phone=NUMBER, now=now, min_calls=1
            )
        assert model is not None
        return model.cell_rate((0, 18))

    async with sales.transaction() as session:
        service_id = (await callbacks.service_for(session, name="best", caller=CALLER)).id
    before = await answered_at_18()
    await store_dials(sales, "best", past_mondays(18, 0, 40))
    seconds[0] = 59.0
    assert await answered_at_18() == before  # as read a moment ago
    seconds[0] = 61.0
    assert await answered_at_18() < before
