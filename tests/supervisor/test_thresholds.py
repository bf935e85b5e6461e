"""Thresholds per queue: configured per service, assessed per queue, late callbacks counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from tests.supervisor.test_waiting_list import CONFIG, ask
from tests.support import set_ready

from ringback.callbacks import repository as callback_repository
from ringback.callbacks.service import change_state, make_due
from ringback.callbacks.states import WAITING_LIST_STATES, CallbackEvent
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.schema import ServiceConfig, ThresholdsConfig
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.routing.engine import RoutingEngine
from ringback.supervisor import service as supervision
from ringback.supervisor.listing import WaitingSort
from ringback.supervisor.thresholds import Crossing, Level, Measure, assess

# "anytime": a warning at 2 minutes' wait, a breach at 5; late 1 minute after the desired
# time, one late callback a warning, two a breach.
WATCHED = CONFIG.replace(
    'name = "anytime"\nqueue = "support"\n',
    'name = "anytime"\nqueue = "support"\nthresholds = { oldest_wait_warning_seconds = 120, '
    "oldest_wait_breach_seconds = 300, late_after_seconds = 60, late_warning = 1, "
    "late_breach = 2 }\n",
)


def test_a_service_watches_its_queue_by_default() -> None:
    service = ServiceConfig.model_validate(
        {"name": "billing", "queue": "billing", "time_zone": "UTC", "office_hours": {}}
    )
    assert service.thresholds == ThresholdsConfig(
        oldest_wait_warning_seconds=300,
        oldest_wait_breach_seconds=900,
        late_after_seconds=300,
        late_warning=1,
        late_breach=5,
    )


def test_thresholds_come_from_the_configuration_file() -> None:
    [_, anytime, *_] = parse_config(WATCHED, source="test.toml").services
    assert anytime.thresholds.oldest_wait_warning_seconds == 120
    assert anytime.thresholds.late_breach == 2


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"oldest_wait_warning_seconds": 600, "oldest_wait_breach_seconds": 300}, "oldest_wait"),
        ({"late_warning": 3, "late_breach": 2}, "late"),
        ({"late_after_seconds": -1}, "late_after_seconds"),
    ],
)
def test_a_warning_comes_before_its_breach(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ThresholdsConfig.model_validate(fields)
    assert where in str(refused.value)


def test_a_limit_of_zero_is_off() -> None:
    off = ThresholdsConfig(oldest_wait_warning_seconds=0, oldest_wait_breach_seconds=0)
    assert assess(off, oldest_wait_seconds=10_000, late=0) == (Level.OK, [])
    only_breach = ThresholdsConfig(late_warning=0, late_breach=3)
    assert assess(only_breach, oldest_wait_seconds=None, late=2) == (Level.OK, [])


def test_the_worst_crossing_sets_the_level() -> None:
    limits = ThresholdsConfig(
        oldest_wait_warning_seconds=120,
        oldest_wait_breach_seconds=300,
        late_warning=1,
        late_breach=2,
    )
    assert assess(limits, oldest_wait_seconds=119, late=0) == (Level.OK, [])
    assert assess(limits, oldest_wait_seconds=120, late=0) == (
        Level.WARNING,
        [Crossing(Measure.OLDEST_WAIT, Level.WARNING, 120, 120)],
    )
    assert assess(limits, oldest_wait_seconds=130, late=2) == (
        Level.BREACH,
        [
            Crossing(Measure.OLDEST_WAIT, Level.WARNING, 130, 120),
            Crossing(Measure.LATE, Level.BREACH, 2, 2),
        ],
    )


@pytest.fixture
async def watched_db(db: Database, clock: ManualClock) -> Database:
    async with db.transaction() as session:
        await apply_config(
            session, config=parse_config(WATCHED, source="test.toml"), now=clock.now()
        )
    return db


async def anytime(db: Database, clock: ManualClock) -> supervision.QueueOverview:
    async with db.transaction() as session:
        rows = {r.service.name: r for r in await supervision.queues(session, now=clock.now())}
    return rows["anytime"]


@pytest.mark.anyio
async def test_a_queue_goes_from_ok_to_warning_to_breach(
    watched_db: Database, clock: ManualClock
) -> None:
    first = await ask(watched_db, clock, "+44 20 7946 0141")
    row = await anytime(watched_db, clock)
    assert (row.level, row.late, row.oldest_wait_seconds) == (Level.OK, 0, 0)
    clock.advance(timedelta(seconds=61))
    row = await anytime(watched_db, clock)
    assert (row.level, row.late) == (Level.WARNING, 1)
    assert row.crossings == [Crossing(Measure.LATE, Level.WARNING, 1, 1)]
    second = await ask(watched_db, clock, "+44 20 7946 0142")
    clock.advance(timedelta(seconds=60))
    row = await anytime(watched_db, clock)
    assert (row.level, row.late, row.oldest_wait_seconds) == (Level.WARNING, 1, 121)
    clock.advance(timedelta(seconds=1))
    row = await anytime(watched_db, clock)
    assert row.level is Level.BREACH and row.late == 2
    assert row.crossings == [
        Crossing(Measure.OLDEST_WAIT, Level.WARNING, 122, 120),
        Crossing(Measure.LATE, Level.BREACH, 2, 2),
    ]
    async with watched_db.transaction() as session:
        views = {
            v.callback.id: v
            for v in (
                await supervision.waiting_callbacks(
                    session,
                    service_name="anytime",
                    states=WAITING_LIST_STATES,
                    min_wait_seconds=None,
                    sort=WaitingSort.WAITING,
                    cursor=None,
                    limit=10,
                    now=clock.now(),
                )
            ).items
        }
    assert views[first.id].late and views[second.id].late


@pytest.mark.anyio
async def test_a_callback_already_tried_is_not_late(
    watched_db: Database, clock: ManualClock
) -> None:
    tried = await ask(watched_db, clock, "+44 20 7946 0143")
    await set_ready(watched_db, clock, "ada")
    assert await RoutingEngine(watched_db, clock).route_once() == 1
    async with watched_db.transaction() as session:
        callback = await callback_repository.get(session, tried.id)
        assert callback is not None
        for event in (CallbackEvent.ACCEPT, CallbackEvent.DIAL, CallbackEvent.NO_CONTACT):
            change_state(session, callback, event, actor="test", now=clock.now())
        callback.attempts = 1
        change_state(session, callback, CallbackEvent.RETRY, actor="test", now=clock.now())
        callback.due_at = clock.now()
    async with watched_db.transaction() as session:
        await make_due(session, now=clock.now(), limit=10)
    clock.advance(timedelta(minutes=3))
    row = await anytime(watched_db, clock)
    assert row.waiting == 1 and row.late == 0
    assert [c.measure for c in row.crossings] == [Measure.OLDEST_WAIT]
