"""A callback's milestones on its row (first queued, first dialled, first answered, ended and by
whom) say what its history says, as written by the use cases and as filled by migration 0015's
backfill; on SQLite and PostgreSQL.

The reports read these columns instead of the history, so every way a callback goes is driven
here through the product's own use cases: queued at once or scheduled and due later, dialled
twice (the first unanswered, then retried), answered and completed, failed, cancelled while
scheduled, queued or offered, expired after an offer timed out, and still waiting. The switch's
results are applied with a clock a little behind the node that dialled, as another node's may be.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from tests.support import set_ready

from ringback import migrations
from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent
from ringback.callbacks import repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.expiry import expire_overdue
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import TERMINAL_STATES, CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.db import Database, sync_url
from ringback.interactions import offers, switch_events, wrapup
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionState
from ringback.metrics import Metrics
from ringback.routing.engine import RoutingEngine
from ringback.telephony.switch import CallState, CallStateChanged, DialCompleted, DialResult
from ringback.timers import Timers

pytestmark = pytest.mark.anyio
CUSTOMER = callbacks.Caller(actor="customer")
INTEGRATION = callbacks.Caller(actor="crm")
# The migration that adds the milestones and fills them from the history; contacted_at (the
# first answer) was there before it, and is set to its connect entry's time.
MILESTONES_REVISION = "0015"
BACKFILLED = ("first_queued_at", "first_dialed_at", "ended_at", "ended_by")
STEP = timedelta(seconds=1, microseconds=234_567)  # odd microseconds: times compare exactly


@dataclass(frozen=True)
class Milestones:
    first_queued_at: datetime | None
    first_dialed_at: datetime | None
    contacted_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None


def from_history(entries: Sequence[CallbackHistory]) -> Milestones:
    """The milestones a callback's history marks, read in the order it was written."""
    queued = [e.at for e in entries if e.to_state is CallbackState.QUEUED]
    dials = [e.at for e in entries if e.event is CallbackEvent.DIAL]
    connects = [e.at for e in entries if e.event is CallbackEvent.CONNECT]
    endings = [e for e in entries if e.to_state in TERMINAL_STATES]
    assert len(endings) <= 1, "a callback ends once"
    return Milestones(
        first_queued_at=queued[0] if queued else None,
        first_dialed_at=dials[0] if dials else None,
        contacted_at=connects[0] if connects else None,
        ended_at=endings[0].at if endings else None,
        ended_by=endings[0].actor if endings else None,
    )


async def stored_milestones(db: Database) -> dict[uuid.UUID, Milestones]:
    """Every callback's milestones as its row holds them, read afresh."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(
                Callback.id,
                Callback.first_queued_at,
                Callback.first_dialed_at,
                Callback.contacted_at,
                Callback.ended_at,
                Callback.ended_by,
            )
        )
        return {callback_id: Milestones(*values) for callback_id, *values in rows}


class Flows:
    """The use cases a callback goes through, each in its own transaction, on one clock."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db, self.clock = db, clock
        self.timers = Timers(db, clock, Metrics())
        self.routing = RoutingEngine(db, clock)

    def tick(self, times: int = 1) -> None:
        self.clock.advance(STEP * times)

    async def ask(self, phone: str, **fields: object) -> uuid.UUID:
        body = {"service": "anytime", "phone": phone, **fields}
        async with self.db.transaction() as session:
            made = await callbacks.create_callback(
                session,
                request=CallbackCreate.model_validate(body),
                caller=CUSTOMER,
                now=self.clock.now(),
            )
        return made.callback.id

    async def agent(self) -> Agent:
        async with self.db.transaction() as session:
            agent = await agent_repository.by_login(session, "ada")
        assert agent is not None
        return agent

    async def ready(self) -> None:
        await set_ready(self.db, self.clock, "ada")

    async def route(self, callback_id: uuid.UUID) -> uuid.UUID:
        """One routing pass, which offers this callback; the offer's interaction."""
        self.tick()
        assert await self.routing.route_once() == 1
        async with self.db.transaction() as session:
            interaction_id = await session.scalar(
                select(Interaction.id).where(
                    Interaction.callback_id == callback_id,
                    Interaction.state == InteractionState.OFFERED,
                )
            )
        assert interaction_id is not None
        return interaction_id

    async def accept(self, interaction_id: uuid.UUID) -> str:
        """The agent accepts, and the callback is dialled at once; the call's id."""
        self.tick()
        agent = await self.agent()
        async with self.db.transaction() as session:
            handling = await offers.accept(
                session, interaction_id=interaction_id, agent=agent, now=self.clock.now()
            )
        assert handling.callback.state is CallbackState.DIALING
        assert handling.interaction.call_id is not None
        return handling.interaction.call_id

    async def call_ends(self, call_id: str, result: DialResult) -> None:
        """The switch's result of the dial, then the end of the call.

        The result is applied by a node whose clock is a little behind the one that dialled:
        what it changes is stamped no earlier than the callback's last change (as in
        callbacks.service._apply), and the row's milestones must be stamped the same."""
        self.tick()
        async with self.db.transaction() as session:
            await switch_events.apply(
                session,
                DialCompleted(call_id=call_id, at=self.clock.now(), result=result),
                now=self.clock.now() - 2 * STEP,
            )
        states = [CallState.CONNECTED] if result is DialResult.ANSWERED else []
        for state in [*states, CallState.RELEASED]:
            self.tick()
            event = CallStateChanged(
                call_id=call_id,
                at=self.clock.now(),
                state=state,
                cause="customer" if state is CallState.RELEASED else None,
            )
            async with self.db.transaction() as session:
                await switch_events.apply(session, event, now=self.clock.now())

    async def done(self, interaction_id: uuid.UUID) -> None:
        self.tick()
        agent = await self.agent()
        async with self.db.transaction() as session:
            await wrapup.mark_done(
                session, interaction_id=interaction_id, agent=agent, now=self.clock.now()
            )

    async def timers_at(self, at: datetime) -> int:
        self.clock.set(at)
        return await self.timers.run_once()

    async def cancel(self, callback_id: uuid.UUID, caller: callbacks.Caller) -> None:
        self.tick()
        async with self.db.transaction() as session:
            await callbacks.cancel_callback(
                session, callback_id=callback_id, caller=caller, now=self.clock.now(), reason=None
            )

    async def state(self, callback_id: uuid.UUID) -> CallbackState:
        async with self.db.transaction() as session:
            callback = await repository.get(session, callback_id)
        assert callback is not None
        return callback.state


async def drive(db: Database, clock: ManualClock) -> dict[str, uuid.UUID]:
    """Take callbacks through every way a callback goes; each one's id by how it went."""
    flows = Flows(db, clock)
    start = clock.now()
    answered = await flows.ask("+44 20 7946 0801")  # queued at once
    scheduled = await flows.ask(
        "+44 20 7946 0802", type="scheduled", desired_time=(start + timedelta(hours=1)).isoformat()
    )
    never_queued = await flows.ask(
        "+44 20 7946 0803",
        type="delayed",
        desired_time=(start + timedelta(minutes=30)).isoformat(),
    )
    # On a service without expiry, due tomorrow: it waits through everything below.
    waiting = await flows.ask(
        "(212) 555-0142",
        service="support",
        type="delayed",
        desired_time=(start + timedelta(days=1)).isoformat(),
    )
    await flows.ready()

    # Dialled, not answered: Mark Done retries it after the service's delay.
    first_offer = await flows.route(answered)
    await flows.call_ends(await flows.accept(first_offer), DialResult.NO_ANSWER)
    await flows.done(first_offer)
    async with db.transaction() as session:
        retried = await repository.get(session, answered)
    assert retried is not None and retried.state is CallbackState.SCHEDULED
    assert retried.due_at is not None
    retry_due = retried.due_at

    # Moved by the integration while it waits for its time.
    flows.tick(30)
    async with db.transaction() as session:
        await callbacks.reschedule_callback(
            session,
            callback_id=never_queued,
            desired_time=start + timedelta(hours=3),
            caller=INTEGRATION,
            now=clock.now(),
        )

    # A number that does not exist fails the callback.
    flows.tick(30)
    failed = await flows.ask("+44 20 7946 0804")
    failed_offer = await flows.route(failed)
    await flows.call_ends(await flows.accept(failed_offer), DialResult.INVALID_NUMBER)
    await flows.done(failed_offer)

    # The retry falls due, is queued again, dialled a second time, answered and completed.
    assert await flows.timers_at(retry_due + STEP) == 1
    second_offer = await flows.route(answered)
    await flows.call_ends(await flows.accept(second_offer), DialResult.ANSWERED)
    await flows.done(second_offer)

    # The scheduled one falls due at its slot; the integration cancels it while it is queued.
    assert await flows.timers_at(start + timedelta(hours=1)) == 1
    assert await flows.state(scheduled) is CallbackState.QUEUED
    await flows.cancel(scheduled, INTEGRATION)
    # The customer cancels the rescheduled one before it was ever queued.
    await flows.cancel(never_queued, CUSTOMER)

    # Cancelled by the customer while it is on the agent's screen.
    withdrawn = await flows.ask("+44 20 7946 0805")
    await flows.route(withdrawn)
    await flows.cancel(withdrawn, CUSTOMER)

    # Offered, the offer times out (back in the queue), and it expires two hours on.
    expired = await flows.ask("+44 20 7946 0806")
    await flows.route(expired)
    assert await flows.timers_at(clock.now() + timedelta(seconds=6)) == 1
    assert await flows.state(expired) is CallbackState.QUEUED
    clock.advance(timedelta(hours=2))
    async with db.transaction() as session:
        swept = await expire_overdue(session, now=clock.now(), limit=100)
    assert [callback.id for callback in swept] == [expired]

    ids = {
        "answered": answered,
        "scheduled": scheduled,
        "never_queued": never_queued,
        "waiting": waiting,
        "failed": failed,
        "withdrawn": withdrawn,
        "expired": expired,
    }
    ended_as = {
        "answered": CallbackState.COMPLETED,
        "scheduled": CallbackState.CANCELLED,
        "never_queued": CallbackState.CANCELLED,
        "waiting": CallbackState.SCHEDULED,
        "failed": CallbackState.FAILED,
        "withdrawn": CallbackState.CANCELLED,
        "expired": CallbackState.EXPIRED,
    }
    assert {name: await flows.state(ids[name]) for name in ids} == ended_as
    return ids


async def test_the_milestones_on_each_row_are_the_ones_its_history_marks(
    expiring_db: Database, clock: ManualClock
) -> None:
    ids = await drive(expiring_db, clock)
    stored = await stored_milestones(expiring_db)
    assert set(stored) == set(ids.values())
    expected: dict[str, Milestones] = {}
    histories: dict[str, Sequence[CallbackHistory]] = {}
    for name, callback_id in ids.items():
        async with expiring_db.transaction() as session:
            histories[name] = await repository.history(session, callback_id)
        expected[name] = from_history(histories[name])
    assert {name: stored[ids[name]] for name in ids} == expected

    # The flows reach every case, so that each column is checked set, left alone and empty.
    answered = expected["answered"]
    dials = [e.at for e in histories["answered"] if e.event is CallbackEvent.DIAL]
    queued = [e.at for e in histories["answered"] if e.to_state is CallbackState.QUEUED]
    assert len(dials) == 2 and answered.first_dialed_at == dials[0] < dials[1]
    assert len(queued) == 2 and answered.first_queued_at == queued[0] < queued[1]
    assert answered.first_dialed_at is not None and answered.contacted_at is not None
    assert answered.first_dialed_at < answered.contacted_at
    assert (answered.ended_by, expected["failed"].ended_by) == ("ada", "switch")
    assert expected["failed"].contacted_at is None
    assert expected["failed"].first_dialed_at is not None
    scheduled = expected["scheduled"]
    assert scheduled.first_queued_at is not None and scheduled.ended_by == "crm"
    assert histories["scheduled"][0].to_state is CallbackState.SCHEDULED
    assert scheduled.first_queued_at > histories["scheduled"][0].at  # queued when due
    assert expected["never_queued"] == Milestones(
        None, None, None, expected["never_queued"].ended_at, "customer"
    )
    assert expected["never_queued"].ended_at is not None
    assert expected["withdrawn"].ended_by == "customer"
    assert expected["withdrawn"].first_dialed_at is None
    assert expected["expired"].ended_by == "scheduler"
    assert expected["expired"].first_queued_at is not None
    assert expected["waiting"] == Milestones(None, None, None, None, None)


async def test_the_migration_fills_the_milestones_the_use_cases_write(
    expiring_db: Database, database_url: str, clock: ManualClock
) -> None:
    ids = await drive(expiring_db, clock)
    written = await stored_milestones(expiring_db)
    assert set(written) == set(ids.values())
    for column in BACKFILLED:
        assert any(getattr(m, column) is not None for m in written.values()), column

    # Back to before 0015 (its columns go) and up again: the revision fills them, however it
    # goes about it, from the history alone.
    await expiring_db.dispose()
    config = migrations.alembic_config(sync_url(database_url))
    before = ScriptDirectory.from_config(config).get_revision(MILESTONES_REVISION).down_revision
    assert isinstance(before, str)
    await asyncio.to_thread(command.downgrade, config, before)
    async with expiring_db.transaction() as session:
        columns = {c["name"] for c in await session.run_sync(_callback_columns)}
    assert columns.isdisjoint(BACKFILLED)
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await stored_milestones(expiring_db) == written

    # And what changes next is kept as before.
    clock.advance(STEP)
    async with expiring_db.transaction() as session:
        await callbacks.cancel_callback(
            session, callback_id=ids["waiting"], caller=INTEGRATION, now=clock.now(), reason=None
        )
    async with expiring_db.transaction() as session:
        history = await repository.history(session, ids["waiting"])
    cancelled = (await stored_milestones(expiring_db))[ids["waiting"]]
    assert cancelled == from_history(history) == Milestones(None, None, None, clock.now(), "crm")


def _callback_columns(session: Session) -> list[dict[str, Any]]:
    return list(inspect(session.connection()).get_columns("callbacks"))
