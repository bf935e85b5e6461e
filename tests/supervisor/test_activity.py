"""The queues' last hours in buckets, read from the stored history (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tests.supervisor.test_waiting_list import ask
from tests.support import set_ready

from ringback.callbacks import repository as callback_repository
from ringback.callbacks.service import change_state
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.routing.engine import RoutingEngine
from ringback.supervisor import service as supervision
from ringback.supervisor.activity import series, window
from ringback.supervisor.repository import TransitionCount

S, E = CallbackState, CallbackEvent


def test_buckets_are_whole_and_the_last_one_ends_now() -> None:
    now = datetime(2026, 12, 7, 15, 7, 30, tzinfo=UTC)
    span = window(now, hours=1, bucket_minutes=5)
    assert span.count == 12
    assert span.start == datetime(2026, 12, 7, 14, 10, tzinfo=UTC)
    assert span.starts[-1] == datetime(2026, 12, 7, 15, 5, tzinfo=UTC)
    assert span.end == now


def test_the_waiting_level_is_walked_back_from_now() -> None:
    span = window(datetime(2026, 12, 7, 15, 0, 30, tzinfo=UTC), hours=1, bucket_minutes=20)
    assert span.count == 3
    rows = [
        TransitionCount(1, 0, E.CREATE, None, S.QUEUED, 3),  # three join
        TransitionCount(1, 1, E.OFFER, S.QUEUED, S.OFFERED, 2),  # two leave on offers
        TransitionCount(1, 1, E.REPRIORITISE, S.QUEUED, S.QUEUED, 1),  # no change
        TransitionCount(1, 2, E.REJECT, S.OFFERED, S.QUEUED, 1),  # one comes back
        TransitionCount(1, 2, E.CONNECT, S.DIALING, S.CONNECTED, 1),
        TransitionCount(1, 2, E.FAIL, S.DIALING, S.FAILED, 1),
        TransitionCount(1, 2, E.EXPIRE, S.QUEUED, S.EXPIRED, 1),
        TransitionCount(9, 0, E.OFFER, S.QUEUED, S.OFFERED, 5),  # a service not shown
    ]
    found = series(span, rows, {1: 1}, [1, 2])
    assert found[1].waiting == [3, 1, 1]  # the reject and the expiry cancel out
    assert found[1].offered == [0, 2, 0]
    assert found[1].answered == [0, 0, 1]
    assert found[1].failed == [0, 0, 2]
    assert found[2].waiting == [0, 0, 0] and found[2].offered == [0, 0, 0]


async def settle(db: Database, clock: ManualClock, callback_id: uuid.UUID, *events: E) -> None:
    async with db.transaction() as session:
        callback = await callback_repository.get(session, callback_id)
        assert callback is not None
        for event in events:
            change_state(session, callback, event, actor="test", now=clock.now())


@pytest.mark.anyio
async def test_activity_counts_each_bucket_from_the_stored_history(
    configured_db: Database, clock: ManualClock
) -> None:
    # The clock starts at 15:00 sharp; buckets of 10 minutes over the last hour.
    answered = await ask(configured_db, clock, "+44 20 7946 0151")
    unreached = await ask(configured_db, clock, "+44 20 7946 0152")
    clock.advance(timedelta(minutes=12))
    await ask(configured_db, clock, "+44 20 7946 0153")
    await set_ready(configured_db, clock, "ada")
    await set_ready(configured_db, clock, "bob")
    assert await RoutingEngine(configured_db, clock).route_once() == 2  # the first two
    await settle(configured_db, clock, answered.id, E.ACCEPT, E.DIAL, E.CONNECT)
    clock.advance(timedelta(minutes=10))
    await settle(configured_db, clock, unreached.id, E.ACCEPT, E.DIAL, E.FAIL)
    clock.advance(timedelta(minutes=3))  # 15:25

    async with configured_db.transaction() as session:
        span, rows = await supervision.activity(
            session, service_name=None, hours=1, bucket_minutes=10, now=clock.now()
        )
        [only] = (
            await supervision.activity(
                session, service_name="anytime", hours=1, bucket_minutes=10, now=clock.now()
            )
        )[1]
    assert span.starts[-3:] == [
        datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 15, 10, tzinfo=UTC),
        datetime(2026, 12, 7, 15, 20, tzinfo=UTC),
    ]
    by_name = {row.service.name: row.series for row in rows}
    assert list(by_name) == ["support", "anytime", "returning", "web", "preview"]
    anytime = by_name["anytime"]
    assert anytime.waiting[-4:] == [0, 2, 1, 1]
    assert anytime.offered[-4:] == [0, 0, 2, 0]
    assert anytime.answered[-4:] == [0, 0, 1, 0]
    assert anytime.failed[-4:] == [0, 0, 0, 1]
    assert only.service.name == "anytime" and only.series.offered == anytime.offered
    assert sum(by_name["support"].offered) == 0
    async with configured_db.transaction() as session:
        with pytest.raises(RingbackError) as unknown:
            await supervision.activity(
                session, service_name="nope", hours=1, bucket_minutes=10, now=clock.now()
            )
    assert unknown.value.code == "service-not-found"
