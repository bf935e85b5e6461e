"""The supervisor's waiting list: filters, sorts, pages, and the priority explained; against
SQLite and PostgreSQL on a controllable clock."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from tests.supervisor.test_supervisor_service import agent
from tests.support import TEST_CONFIG, set_ready

from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import WAITING_LIST_STATES, CallbackState
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.routing.engine import RoutingEngine
from ringback.supervisor import service as supervision
from ringback.supervisor.listing import WaitingSort

pytestmark = pytest.mark.anyio
CUSTOMER = callbacks.Caller(actor="api-key:test")

# "anytime" ages half a point a minute, "returning" two points a minute.
CONFIG = TEST_CONFIG.replace(
    'name = "anytime"\nqueue = "support"\n',
    'name = "anytime"\nqueue = "support"\npriority_aging_per_minute = 0.5\n',
).replace(
    'name = "returning"\nqueue = "support"\n',
    'name = "returning"\nqueue = "support"\npriority_aging_per_minute = 2.0\n',
)


@pytest.fixture
async def supervised_db(db: Database, clock: ManualClock) -> Database:
    async with db.transaction() as session:
        await apply_config(
            session, config=parse_config(CONFIG, source="test.toml"), now=clock.now()
        )
    return db


async def ask(db: Database, clock: ManualClock, phone: str, **fields: object) -> Callback:
    body: dict[str, object] = {"service": "anytime", "phone": phone} | fields
    async with db.transaction() as session:
        made = await callbacks.create_callback(
            session, request=CallbackCreate.model_validate(body), caller=CUSTOMER, now=clock.now()
        )
    return made.callback


async def page(session: AsyncSession, clock: ManualClock, **asked: Any) -> supervision.WaitingPage:
    defaults: dict[str, Any] = {
        "service_name": None,
        "states": WAITING_LIST_STATES,
        "min_wait_seconds": None,
        "sort": WaitingSort.WAITING,
        "cursor": None,
        "limit": 100,
    }
    return await supervision.waiting_callbacks(session, **(defaults | asked), now=clock.now())


async def ids(db: Database, clock: ManualClock, **asked: Any) -> list[object]:
    async with db.transaction() as session:
        return [row.callback.id for row in (await page(session, clock, **asked)).items]


async def test_filters_by_state_service_and_age(
    supervised_db: Database, clock: ManualClock
) -> None:
    oldest = await ask(supervised_db, clock, "+44 20 7946 0101")
    clock.advance(timedelta(minutes=4))
    middle = await ask(supervised_db, clock, "+44 20 7946 0102")
    clock.advance(timedelta(minutes=4))
    newest = await ask(supervised_db, clock, "+44 20 7946 0103")
    french = await ask(supervised_db, clock, "+33 6 12 34 56 01", service="returning")
    later = await ask(
        supervised_db,
        clock,
        "+44 20 7946 0104",
        type="scheduled",
        desired_time=(clock.now() + timedelta(hours=1)).isoformat(),
    )
    await set_ready(supervised_db, clock, "ada")
    assert await RoutingEngine(supervised_db, clock).route_once() == 1  # the oldest is offered
    clock.advance(timedelta(minutes=1))

    everything = await ids(supervised_db, clock)
    assert everything == [oldest.id, middle.id, newest.id, french.id, later.id]
    queued = frozenset({CallbackState.QUEUED})
    assert await ids(supervised_db, clock, states=queued) == [middle.id, newest.id, french.id]
    assert await ids(supervised_db, clock, states=frozenset({CallbackState.OFFERED})) == [oldest.id]
    assert await ids(supervised_db, clock, states=frozenset({CallbackState.SCHEDULED})) == [
        later.id
    ]
    assert await ids(supervised_db, clock, service_name="returning") == [french.id]
    # Waiting longer than 4 minutes: queued 9 and 5 minutes ago; the scheduled one is not waiting.
    assert await ids(supervised_db, clock, min_wait_seconds=240) == [oldest.id, middle.id]
    assert await ids(supervised_db, clock, min_wait_seconds=240, states=queued) == [middle.id]
    async with supervised_db.transaction() as session:
        counted = await page(session, clock, min_wait_seconds=60, limit=1)
    assert counted.total == 4 and len(counted.items) == 1


async def test_pages_follow_each_other_without_gaps_or_repeats(
    supervised_db: Database, clock: ManualClock
) -> None:
    made = []
    for n in range(5):
        made.append(await ask(supervised_db, clock, f"+44 20 7946 011{n}"))
        clock.advance(timedelta(seconds=30))
    made.append(
        await ask(
            supervised_db,
            clock,
            "+44 20 7946 0119",
            type="scheduled",
            desired_time=(clock.now() + timedelta(hours=2)).isoformat(),
        )
    )
    for sort, expected in (
        (WaitingSort.WAITING, [c.id for c in made]),
        (WaitingSort.RECENT, [c.id for c in reversed(made)]),
    ):
        seen: list[object] = []
        cursor = None
        async with supervised_db.transaction() as session:
            while True:
                found = await page(session, clock, sort=sort, cursor=cursor, limit=4)
                assert found.total == 6
                seen += [row.callback.id for row in found.items]
                cursor = found.next_cursor
                if cursor is None:
                    break
        assert seen == expected, sort


async def test_the_priority_sort_is_routings_order_and_stays_put_across_pages(
    supervised_db: Database, clock: ManualClock
) -> None:
    slow = await ask(supervised_db, clock, "+44 20 7946 0121")  # 70, half a point a minute
    fast = await ask(supervised_db, clock, "+33 6 12 34 56 02", service="returning")  # 50, two
    clock.advance(timedelta(minutes=10))
    raised = await ask(supervised_db, clock, "+44 20 7946 0122")
    sue = await agent(supervised_db, "sue")
    async with supervised_db.transaction() as session:
        await supervision.set_priority(
            session,
            supervisor=sue,
            callback_id=raised.id,
            priority=90,
            reason=None,
            now=clock.now(),
        )
    later = await ask(
        supervised_db,
        clock,
        "+44 20 7946 0123",
        type="scheduled",
        desired_time=(clock.now() + timedelta(hours=1)).isoformat(),
    )
    clock.advance(timedelta(minutes=2))
    # Now: raised 90 + 1 = 91, fast 50 + 24 = 74, slow 70 + 6 = 76.
    async with supervised_db.transaction() as session:
        first = await page(session, clock, sort=WaitingSort.PRIORITY, limit=2)
    assert [r.callback.id for r in first.items] == [raised.id, slow.id]
    assert [r.effective_priority for r in first.items] == [91.0, 76.0]
    assert first.next_cursor is not None
    # Ten minutes on, fast (94) has passed slow (81) but not raised (96); the next page still
    # follows the first.
    clock.advance(timedelta(minutes=10))
    async with supervised_db.transaction() as session:
        rest = await page(session, clock, sort=WaitingSort.PRIORITY, cursor=first.next_cursor)
        fresh = await page(session, clock, sort=WaitingSort.PRIORITY)
    assert [r.callback.id for r in rest.items] == [fast.id, later.id]
    assert rest.next_cursor is None
    assert [r.callback.id for r in fresh.items] == [raised.id, fast.id, slow.id, later.id]


async def test_each_callback_explains_its_priority(
    supervised_db: Database, clock: ManualClock
) -> None:
    made = await ask(supervised_db, clock, "+33 6 12 34 56 03", service="returning")
    clock.advance(timedelta(minutes=16, seconds=20))
    async with supervised_db.transaction() as session:
        [row] = (await page(session, clock)).items
    assert row.callback.id == made.id
    assert (row.callback.priority, row.service.config.priority_aging_per_minute) == (50, 2.0)
    assert row.wait_seconds == 980
    assert row.effective_priority == round(50 + 2.0 * 980 / 60, 2)


async def test_a_cursor_must_be_one_the_list_gave_for_the_same_sort(
    supervised_db: Database, clock: ManualClock
) -> None:
    for n in range(3):
        await ask(supervised_db, clock, f"+44 20 7946 013{n}")
    async with supervised_db.transaction() as session:
        first = await page(session, clock, limit=1)
    assert first.next_cursor is not None
    forged = base64.urlsafe_b64encode(
        json.dumps({"sort": "waiting", "as_of": "2026-12-07T15:00:00", "key": []}).encode()
    ).decode()
    for cursor, sort in (
        ("not-a-cursor", WaitingSort.WAITING),
        (forged, WaitingSort.WAITING),
        (first.next_cursor, WaitingSort.PRIORITY),
    ):
        async with supervised_db.transaction() as session:
            with pytest.raises(RingbackError) as refused:
                await page(session, clock, sort=sort, cursor=cursor)
        assert (refused.value.code, refused.value.status) == ("invalid-cursor", 422)
        assert refused.value.field == "cursor"
