"""The callbacks report against hand-counted histories, on SQLite and PostgreSQL, DST days
included (Europe/Paris: 2026-03-29 has 23 hours, 2026-10-25 has 25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.reports.conftest import E, S, Story, fall_back_story, service_ids, z

from ringback.callbacks.service import Caller
from ringback.callbacks.states import CallbackType, Channel
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.reports.buckets import BucketSize
from ringback.reports.service import CallbackReport, ReportRequest, callbacks_report

PARIS = ZoneInfo("Europe/Paris")
SUPERVISOR = Caller(actor="supervisor:sue")
NOW = datetime(2026, 10, 27, 12, tzinfo=UTC)


async def report(db: Database, caller: Caller = SUPERVISOR, **asked: object) -> CallbackReport:
    request = ReportRequest(
        **{  # type: ignore[arg-type]
            "start": datetime(2026, 10, 25, tzinfo=PARIS),
            "end": datetime(2026, 10, 26, tzinfo=PARIS),
            "bucket": BucketSize.HOUR,
            "service": "returning",
            **asked,
        }
    )
    async with db.transaction() as session:
        return await callbacks_report(session, request=request, caller=caller, now=NOW)


@pytest.mark.anyio
async def test_the_fall_back_day_counted_by_local_hour(configured_db: Database) -> None:
    await fall_back_story(configured_db)
    found = await report(configured_db)
    assert found.zone.key == "Europe/Paris"  # the service's own zone
    rows = found.buckets
    assert len(rows) == 25
    assert [r.start.astimezone(PARIS).isoformat() for r in rows[2:4]] == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
    ]
    assert [r.requests for r in rows[:5]] == [2, 0, 1, 3, 0]
    assert rows[0].requests_by_type == {"immediate": 1, "scheduled": 1}
    assert rows[3].requests_by_channel == {"mobile": 1, "web": 2}
    assert rows[2].requests_by_channel == {"ivr": 1}
    assert [r.completed for r in rows[:3]] == [1, 1, 0]
    # The failure and the cancellation both fall in the second 02:00 hour.
    assert rows[3].failed_by_reason == {"no_answer": 1} and rows[2].failed == 0
    assert rows[3].cancelled_by == {"customer": 1}
    assert [r.expired for r in rows[4:7]] == [0, 0, 1]
    assert [r.still_waiting for r in rows[:8]] == [2, 1, 2, 3, 3, 3, 2, 2]
    assert rows[-1].still_waiting == 2
    total = found.total
    assert (total.requests, total.completed, total.failed, total.cancelled, total.expired) == (
        6,
        2,
        1,
        1,
        1,
    )
    assert total.attempts_per_completed == 1.5  # (1 + 2) / 2
    assert total.right_party_contact_rate == round(2 / 3, 4)  # cb1 and cb5 of cb1, cb2, cb5
    # First dials: cb1 after 600 s, cb2 after 600 s, cb5 after 4500 s (nearest rank).
    assert sorted(total.to_first_dial) == [600, 600, 4500]
    assert sorted(total.to_connect) == [660, 4860]
    assert sorted(total.promise_to_first_dial) == [600, 600, 1200]
    assert (total.scheduled_dialled, total.scheduled_on_time) == (1, 0)
    assert rows[1].to_first_dial == [4500] and rows[1].to_connect == [4860]
    assert rows[2].to_first_dial == [600]


@pytest.mark.anyio
async def test_the_same_range_asked_twice_gives_the_same_figures(configured_db: Database) -> None:
    await fall_back_story(configured_db)
    first = await report(configured_db)
    again = await report(configured_db)
    assert first == again


@pytest.mark.anyio
async def test_on_time_minutes_and_the_agent_filter(configured_db: Database) -> None:
    await fall_back_story(configured_db)
    lenient = await report(configured_db, on_time_minutes=20)
    assert (lenient.total.scheduled_dialled, lenient.total.scheduled_on_time) == (1, 1)
    ada = await report(configured_db, agent="ada")
    assert ada.agent_filtered
    assert ada.total.completed == 2 and ada.total.failed == 0  # cb2 was bob's
    assert ada.total.requests == 0 and ada.total.still_waiting is None
    assert sorted(ada.total.to_first_dial) == [600, 4500]


@pytest.mark.anyio
async def test_filters_by_channel_and_an_other_service(configured_db: Database) -> None:
    await fall_back_story(configured_db)
    ivr = await report(configured_db, channel=Channel.IVR)
    assert (ivr.total.requests, ivr.total.failed, ivr.total.completed) == (1, 1, 0)
    other = await report(configured_db, service="anytime")
    assert other.zone.key == "UTC"
    assert other.total.requests == 0 and other.total.still_waiting == 0


@pytest.mark.anyio
async def test_days_follow_the_local_calendar_across_spring_forward(
    configured_db: Database,
) -> None:
    async with configured_db.transaction() as session:
        service, queue = (await service_ids(session))["returning"]
    story = Story()
    # 00:30 local on the 29th is still the 28th in UTC; 00:30 local on the 30th is the 29th.
    story.callback(
        service, queue, created_at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC), state=S.QUEUED
    )
    story.callback(
        service, queue, created_at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC), state=S.QUEUED
    )
    await story.write(configured_db)
    async with configured_db.transaction() as session:
        found = await callbacks_report(
            session,
            request=ReportRequest(
                start=datetime(2026, 3, 28, tzinfo=PARIS),
                end=datetime(2026, 3, 31, tzinfo=PARIS),
                bucket=BucketSize.DAY,
                service="returning",
            ),
            caller=SUPERVISOR,
            now=NOW,
        )
    assert [r.requests for r in found.buckets] == [0, 1, 1]
    assert [r.end - r.start for r in found.buckets] == [
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]
    assert [r.still_waiting for r in found.buckets] == [0, 1, 2]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("asked", "field", "code"),
    [
        ({"end": datetime(2026, 10, 24, tzinfo=PARIS)}, "to", "invalid-range"),
        ({"end": datetime(2028, 1, 1, tzinfo=PARIS)}, "to", "invalid-range"),
        (
            {"end": datetime(2026, 12, 31, tzinfo=PARIS), "bucket": BucketSize.QUARTER_HOUR},
            "bucket",
            "too-many-buckets",
        ),
        ({"service": "nope"}, "service", "unknown-service"),
        ({"queue": "nope"}, "queue", "unknown-queue"),
        ({"agent": "nope"}, "agent", "unknown-agent"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown-time-zone"),
        ({"start": datetime(2026, 10, 25)}, "from", "time-without-zone"),
    ],
)
async def test_bad_requests_name_their_field(
    configured_db: Database, asked: dict[str, object], field: str, code: str
) -> None:
    with pytest.raises(RingbackError) as refused:
        await report(configured_db, **asked)
    assert (refused.value.field, refused.value.code, refused.value.status) == (field, code, 422)


@pytest.mark.anyio
async def test_a_key_sees_only_its_services(configured_db: Database) -> None:
    await fall_back_story(configured_db)
    key = Caller(actor="api-key:support-only", services=frozenset({"support"}))
    with pytest.raises(RingbackError) as refused:
        await report(configured_db, key)
    assert refused.value.status == 403 and refused.value.field == "service"
    theirs = await report(configured_db, key, service=None, time_zone="Europe/Paris")
    assert theirs.total.requests == 0 and theirs.total.completed == 0
    everyone = await report(configured_db, service=None, time_zone="Europe/Paris")
    assert everyone.total.requests == 6 and everyone.total.completed == 2


@pytest.mark.anyio
async def test_callbacks_asked_before_the_range_count_from_their_whole_history(
    configured_db: Database,
) -> None:
    async with configured_db.transaction() as session:
        service, queue = (await service_ids(session))["returning"]
    story = Story()
    # Asked and first dialled the day before the range (no answer), dialled again and answered
    # in it: a first connect in the range, not a first dial.
    redialled = story.callback(
        service,
        queue,
        created_at=z("10-23 09:00"),
        state=S.CONNECTED,
        attempts=2,
        contacted_at=z("10-24 23:01"),
    )
    story.event(redialled, z("10-23 09:05"), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
    story.event(redialled, z("10-23 09:06"), E.NO_CONTACT, S.DIALING, S.ACCEPTED)
    story.event(redialled, z("10-24 23:00"), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
    story.event(redialled, z("10-24 23:01"), E.CONNECT, S.DIALING, S.CONNECTED, actor="switch")
    # Asked for a slot the morning before, due an hour before the range, first dialled in it:
    # its promise is kept from when it became due, before the range.
    slotted = story.callback(
        service,
        queue,
        created_at=z("10-24 10:00"),
        state=S.DIALING,
        type=CallbackType.SCHEDULED,
        attempts=1,
    )
    story.event(slotted, z("10-24 21:30"), E.DUE, S.SCHEDULED, S.QUEUED, actor="scheduler")
    story.event(slotted, z("10-24 22:30"), E.DIAL, S.ACCEPTED, S.DIALING, actor="bob")
    await story.write(configured_db)
    found = (await report(configured_db)).total
    assert found.to_first_dial == [45000]  # 10:00 to 22:30
    assert found.promise_to_first_dial == [3600]  # due 21:30, dialled 22:30
    assert (found.scheduled_dialled, found.scheduled_on_time) == (1, 0)
    assert found.to_connect == [136860]  # 09:00 on the 23rd to 23:01 on the 24th
