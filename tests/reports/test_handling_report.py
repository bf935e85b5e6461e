"""Handling, dispositions and answer rate against hand-counted interactions (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.reports.conftest import S, Story, agent_ids, at, handling_story, service_ids

from ringback.callbacks.service import Caller
from ringback.db import Database
from ringback.reports.buckets import BucketSize
from ringback.reports.service import (
    ReportRequest,
    answer_rate_report,
    dispositions_report,
    handling_report,
)

SUPERVISOR = Caller(actor="supervisor:sue")
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)  # bob is still in After Call Work


def asked(**more: Any) -> ReportRequest:
    return ReportRequest(
        start=at(1, 0, 0), end=at(3, 0, 0), bucket=BucketSize.DAY, service="anytime", **more
    )


@pytest.mark.anyio
async def test_handle_hold_and_after_call_work_per_agent_and_day(configured_db: Database) -> None:
    await handling_story(configured_db)
    async with configured_db.transaction() as session:
        found = await handling_report(session, request=asked(), caller=SUPERVISOR, now=NOW)
    rows = [
        (r.start.day, r.agent, sorted(r.handle), sorted(r.hold), sorted(r.after_call_work))
        for r in found.rows
    ]
    assert rows == [
        (1, "ada", [300.0, 600.0], [0.0, 180.0], [30.0, 60.0]),
        (2, "bob", [1200.0], [0.0], [600.0]),  # After Call Work until now
    ]
    assert [(t.agent, len(t.handle)) for t in found.totals] == [("ada", 2), ("bob", 1)]
    async with configured_db.transaction() as session:
        bob = await handling_report(session, request=asked(agent="bob"), caller=SUPERVISOR, now=NOW)
    assert [(r.agent, r.handle) for r in bob.rows] == [("bob", [1200.0])]


@pytest.mark.anyio
async def test_dispositions_as_their_tree(configured_db: Database) -> None:
    await handling_story(configured_db)
    async with configured_db.transaction() as session:
        zone, found = await dispositions_report(session, request=asked(), caller=SUPERVISOR)
    assert zone.key == "UTC"
    assert (found.handled, found.without_code) == (3, 1)
    tree = {node.code: node for node in found.tree}
    assert list(tree) == ["resolved", "sale"]
    sale = tree["sale"]
    assert (sale.count, sale.total) == (1, 2)
    assert [(c.code, c.count, c.total) for c in sale.children] == [("sale-upsell", 1, 1)]
    assert (tree["resolved"].count, tree["resolved"].total) == (0, 0)


@pytest.mark.anyio
async def test_answer_rate_by_local_hour_and_weekday(configured_db: Database) -> None:
    await handling_story(configured_db)
    async with configured_db.transaction() as session:
        utc = await answer_rate_report(session, request=asked(), caller=SUPERVISOR)
        paris = await answer_rate_report(
            session, request=asked(time_zone="Europe/Paris"), caller=SUPERVISOR
        )
    assert len(utc.cells) == 7 * 24
    busy = [(c.weekday, c.hour, c.attempts, c.answered, c.rate) for c in utc.cells if c.attempts]
    assert busy == [(0, 10, 1, 1, 1.0), (0, 11, 2, 1, 0.5), (1, 9, 1, 0, 0.0)]
    assert paris.zone == ZoneInfo("Europe/Paris")
    shifted = [(c.weekday, c.hour, c.attempts) for c in paris.cells if c.attempts]
    assert shifted == [(0, 12, 1), (0, 13, 2), (1, 11, 1)]  # summer time: UTC+2


@pytest.mark.anyio
async def test_a_call_handed_over_counts_from_when_it_reached_the_agent(
    configured_db: Database,
) -> None:
    async with configured_db.transaction() as session:
        service, queue = (await service_ids(session))["anytime"]
        bob = (await agent_ids(session))["bob"]
    story = Story()
    callback = story.callback(service, queue, created_at=at(1, 9, 0), state=S.COMPLETED)
    # A colleague transferred the customer: never offered for Accept, so no accepted_at.
    story.interaction(
        callback, bob, offered_at=at(1, 10, 0), accepted_at=None, ended_at=at(1, 10, 5)
    )
    await story.write(configured_db)
    async with configured_db.transaction() as session:
        found = await handling_report(session, request=asked(), caller=SUPERVISOR, now=NOW)
    assert [(r.agent, r.handle) for r in found.rows] == [("bob", [300.0])]
