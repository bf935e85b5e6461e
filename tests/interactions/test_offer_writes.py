"""What a routing pass writes for its offers, and the versions it checks, on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentChannelStatus, AgentStatus
from ringback.callbacks import repository as callback_repository
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.clock import ManualClock
from ringback.config import repository as config_repository
from ringback.db import Database
from ringback.interactions import offers
from ringback.interactions.models import AgentEvent, Interaction, InteractionHistory
from ringback.interactions.states import InteractionState
from ringback.outbox import OutboxEvent
from ringback.routing.engine import RoutingEngine
from ringback.webhooks.models import WebhookEvent

pytestmark = pytest.mark.anyio
PHONES = ["+44 20 7946 0081", "+44 20 7946 0082"]


async def ready_agents_and_callbacks(db: Database, clock: ManualClock) -> None:
    """ada then bob Ready on voice (ada idle longest), and a queued callback for each."""
    async with db.transaction() as session:
        for login in ("ada", "bob"):
            agent = await agent_repository.by_login(session, login)
            assert agent is not None
            await agents.set_status(
                session,
                agent=agent,
                channel=AgentChannel.VOICE,
                status=AgentStatus.READY,
                reason=None,
                now=clock.advance(timedelta(seconds=1)),
            )
    for phone in PHONES:
        async with db.transaction() as session:
            await callbacks.create_callback(
                session,
                request=CallbackCreate(service="anytime", phone=phone),
                caller=callbacks.Caller(actor="test"),
                now=clock.advance(timedelta(seconds=1)),
            )


async def test_a_pass_writes_each_offer_with_its_history_outbox_webhook_and_events(
    configured_db: Database, clock: ManualClock
) -> None:
    await ready_agents_and_callbacks(configured_db, clock)
    async with configured_db.transaction() as session:
        last_event = int(max(await session.scalars(select(AgentEvent.id)), default=0))
    now = clock.advance(timedelta(seconds=1))
    assert await RoutingEngine(configured_db, clock).route_once() == 2

    async with configured_db.transaction() as session:
        made = (await session.scalars(select(Interaction).order_by(Interaction.offered_at))).all()
        by_callback = {i.callback_id: i for i in made}
        waiting = (await session.scalars(select(Callback).order_by(Callback.queued_at))).all()
        logins = {}
        for i in made:
            agent = await agent_repository.by_id(session, i.agent_id)
            assert agent is not None
            logins[i.agent_id] = agent.login
        # Longest waiting to longest idle.
        assert [logins[by_callback[c.id].agent_id] for c in waiting] == ["ada", "bob"]
        for callback in waiting:
            interaction = by_callback[callback.id]
            login = logins[interaction.agent_id]
            assert (interaction.state, interaction.channel) == (
                InteractionState.OFFERED,
                AgentChannel.VOICE,
            )
            assert (interaction.offered_at, interaction.offer_expires_at) == (
                now,
                now + timedelta(seconds=5),
            )
            assert interaction.preview["phone"] == callback.phone
            assert (callback.state, callback.version, callback.updated_at) == (
                CallbackState.OFFERED,
                2,
                now,
            )
            last = (await callback_repository.history(session, callback.id))[-1]
            assert (last.event, last.from_state, last.to_state, last.actor, last.reason) == (
                CallbackEvent.OFFER,
                CallbackState.QUEUED,
                CallbackState.OFFERED,
                "routing",
                f"offered to {login}",
            )
            status = await agent_repository.channel_status(
                session, interaction.agent_id, AgentChannel.VOICE
            )
            assert status is not None and status.offered == interaction.id
            assert status.version == 3  # made Ready, then offered
            notes = (
                await session.scalars(
                    select(InteractionHistory).where(
                        InteractionHistory.interaction_id == interaction.id
                    )
                )
            ).all()
            assert [(n.kind, n.actor, n.detail, n.at) for n in notes] == [
                ("offered", "routing", {"agent": login}, now)
            ]
            outbox = (
                await session.scalars(
                    select(OutboxEvent).where(OutboxEvent.topic == "callback.offered")
                )
            ).all()
            assert [e.payload for e in outbox if e.payload["callback_id"] == str(callback.id)] == [
                {
                    "callback_id": str(callback.id),
                    "service_id": callback.service_id,
                    "event": "offer",
                    "from": "queued",
                    "to": "offered",
                    "due_at": None,
                }
            ]
            webhook = (
                await session.scalars(
                    select(WebhookEvent).where(
                        WebhookEvent.callback_id == callback.id,
                        WebhookEvent.type == "callback.offered",
                    )
                )
            ).one()
            assert webhook.callback["state"] == "offered"
            assert webhook.callback["updated_at"] == now.isoformat()
            assert webhook.change == {"event": "offer", "from": "queued", "to": "offered"}
            # The agent's screens get the status holding the offer, then the offer, in order.
            events = (
                await session.scalars(
                    select(AgentEvent)
                    .where(AgentEvent.id > last_event, AgentEvent.agent_id == interaction.agent_id)
                    .order_by(AgentEvent.id)
                )
            ).all()
            assert [e.topic for e in events] == ["agent.status", "interaction.offered"]
            assert events[0].payload["offered"] == str(interaction.id)
            assert events[1].payload["id"] == str(interaction.id)
            assert events[1].payload["callback"]["state"] == "offered"
            assert all(e.at == now for e in events)


@pytest.mark.parametrize("changed", ["callback", "agent channel"])
async def test_a_pass_whose_rows_changed_since_it_read_them_writes_nothing(
    configured_db: Database, clock: ManualClock, changed: str
) -> None:
    await ready_agents_and_callbacks(configured_db, clock)
    now = clock.advance(timedelta(seconds=1))
    with pytest.raises(StaleDataError):
        async with configured_db.transaction() as session:
            callback = (
                await session.scalars(select(Callback).order_by(Callback.queued_at))
            ).first()
            assert callback is not None
            ada = await agent_repository.by_login(session, "ada")
            assert ada is not None
            status = await agent_repository.channel_status(session, ada.id, AgentChannel.VOICE)
            assert status is not None
            service = await config_repository.service_by_id(session, callback.service_id)
            # Another change of the row, after this pass read it (its object keeps the old
            # version).
            if changed == "callback":
                await session.execute(
                    update(Callback)
                    .where(Callback.id == callback.id)
                    .values(version=Callback.version + 1)
                    .execution_options(synchronize_session=False)
                )
            else:
                await session.execute(
                    update(AgentChannelStatus)
                    .where(AgentChannelStatus.agent_id == ada.id)
                    .values(version=AgentChannelStatus.version + 1)
                    .execution_options(synchronize_session=False)
                )
            await offers.offer(session, [offers.Offer(callback, service, ada, status)], now=now)
    async with configured_db.transaction() as session:
        assert (await session.scalars(select(Interaction))).all() == []
        states = (await session.scalars(select(Callback.state))).all()
        assert states == [CallbackState.QUEUED, CallbackState.QUEUED]
        offered = (
            await session.scalars(
                select(AgentChannelStatus.offered).where(AgentChannelStatus.offered.is_not(None))
            )
        ).all()
        assert offered == []
        outbox = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "callback.offered")
            )
        ).all()
        assert outbox == []
