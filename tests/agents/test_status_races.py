"""Signing in and out while another change holds the agent's channel rows.

A status row is written with the version it was read at. On PostgreSQL the other change holds
the rows until it commits, and the sign-in or sign-out waits for it (the tests check that it
does wait); it must then act on what was committed, not fail on a version it read before. On
SQLite one writer runs at a time: the second change starts only after the first commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from tests.support import until_someone_waits_for_a_lock

from ringback.agents import repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentSession, AgentStatus, AgentStatusHistory
from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import CallbackCreate
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.interactions.offers import Handling, Offer
from ringback.routing import engine as routing
from ringback.routing.engine import RoutingEngine

pytestmark = pytest.mark.anyio
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


async def credentials(db: Database) -> agents.Credentials:
    """Ada's stored credentials, as the sign-in has them once her password was checked."""
    async with db.transaction() as session:
        ada = await repository.by_login(session, "ada")
        assert ada is not None
        ada.password_hash = CHEAP.hash("correct horse battery")
    async with db.transaction() as session:
        return await agents.credentials(session, login="ada")


async def until_the_other_waits(db: Database) -> None:
    if db.dialect == "postgresql":
        await until_someone_waits_for_a_lock(db)


async def test_a_sign_in_while_another_holds_the_agents_rows_waits_and_succeeds(
    configured_db: Database, clock: ManualClock
) -> None:
    # Two sign-ins of one agent at once (a second tab, or a client trying again after a
    # timeout): the first moves her Logged Out channels on while the second has them to do.
    stored = await credentials(configured_db)

    async def sign_in() -> agents.SignedIn:
        async with configured_db.transaction() as session:
            return await agents.open_session(session, stored=stored, now=clock.now())

    async with configured_db.transaction() as session:
        first = await agents.open_session(session, stored=stored, now=clock.now())
        await session.flush()  # its status changes written: the rows are held until the commit
        second = asyncio.create_task(sign_in())
        await until_the_other_waits(configured_db)
    signed = await second
    async with configured_db.transaction() as session:
        statuses = await repository.channel_statuses(session, signed.agent.id)
        live = await repository.live_sessions(session, signed.agent.id, clock.now())
        moves = await history(session, signed.agent.id)
        for token in (first.token, signed.token):
            await agents.authenticate(session, token=token, now=clock.now())
    assert [s.status for s in statuses] == [AgentStatus.NOT_READY, AgentStatus.NOT_READY]
    assert len(live) == 2
    # Each channel moved once, by the first sign-in; the second found them moved already.
    assert moves == [
        (AgentChannel.VOICE, AgentStatus.LOGGED_OUT, AgentStatus.NOT_READY),
        (AgentChannel.WEBCALLBACK, AgentStatus.LOGGED_OUT, AgentStatus.NOT_READY),
    ]


async def test_a_sign_out_while_a_routing_pass_offers_to_the_agent_sees_the_offer(
    configured_db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = await credentials(configured_db)
    async with configured_db.transaction() as session:
        signed = await agents.open_session(session, stored=stored, now=clock.now())
        await agents.set_status(
            session,
            agent=signed.agent,
            channel=AgentChannel.VOICE,
            status=AgentStatus.READY,
            reason=None,
            now=clock.now(),
        )
        await callbacks.create_callback(
            session,
            request=CallbackCreate(service="anytime", phone="+44 20 7946 1000"),
            caller=callbacks.Caller(actor="test"),
            now=clock.now(),
        )

    async def sign_out() -> None:
        async with configured_db.transaction() as session:
            agent, agent_session = await agents.authenticate(
                session, token=signed.token, now=clock.now()
            )
            await agents.sign_out(
                session, agent=agent, agent_session=agent_session, now=clock.now()
            )

    signing_out: list[asyncio.Task[None]] = []

    async def offer_while_signing_out(
        session: AsyncSession, offers: Sequence[Offer], *, now: datetime
    ) -> list[Handling]:
        # The pass has written its offer and holds the agent's row; it commits once the
        # sign-out is under way.
        handlings = await routing_offer(session, offers, now=now)
        signing_out.append(asyncio.create_task(sign_out()))
        await until_the_other_waits(configured_db)
        return handlings

    routing_offer = routing.offer
    monkeypatch.setattr(routing, "offer", offer_while_signing_out)
    assert await RoutingEngine(configured_db, clock).route_once() == 1
    with pytest.raises(RingbackError) as refused:
        await signing_out[0]
    assert (refused.value.status, refused.value.code) == (409, "interactions-open")
    async with configured_db.transaction() as session:
        voice = await repository.channel_status(session, signed.agent.id, AgentChannel.VOICE)
        ended = await session.scalar(select(AgentSession.ended_at))
    assert voice is not None and voice.status is AgentStatus.READY and voice.offered is not None
    assert ended is None  # still signed in, with the offer on the desk


async def history(
    session: AsyncSession, agent_id: int
) -> list[tuple[AgentChannel, AgentStatus | None, AgentStatus]]:
    """The agent's status changes, channel by channel: (channel, from, to)."""
    moved = AgentStatusHistory
    rows = await session.execute(
        select(moved.channel, moved.from_status, moved.to_status)
        .where(moved.agent_id == agent_id)
        .order_by(moved.channel, moved.id)
    )
    return [(channel, before, after) for channel, before, after in rows]
