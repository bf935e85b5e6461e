"""Offering a callback to an agent, and the answers: Accept, Reject, or no answer in time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ringback import outbox
from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentChannel, AgentChannelStatus, AgentStatus
from ringback.agents.service import announce as announce_status
from ringback.agents.service import change_status
from ringback.callbacks import changes
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.service import change_state
from ringback.callbacks.states import CallbackEvent, CallbackType, transition
from ringback.config.repository import Service
from ringback.db import new_id
from ringback.errors import RingbackError
from ringback.interactions import repository
from ringback.interactions.common import Handling, announce, load, note, step, with_context
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionEvent, InteractionState
from ringback.outbox import OutboxEvent
from ringback.webhooks.capture import event_row


def preview_fields(callback: Callback, service: Service) -> dict[str, Any]:
    """The fields the service's administrator chose to show before the agent accepts."""
    available: dict[str, Any] = {
        "name": callback.customer_name,
        "phone": callback.phone,
        "type": str(callback.type),
        "desired_time": callback.desired_time.isoformat(),
        "instructions": callback.instructions,
        "service": service.config.display_name or service.name,
        "channel": str(callback.channel),
    }
    available |= {f"data.{key}": value for key, value in callback.data.items()}
    fields = (
        service.config.preview.fields
        if service.config.preview.enabled
        else ["name", "phone", "type"]
    )
    return {field: available.get(field) for field in fields}


@dataclass(frozen=True)
class Offer:
    """A routing decision: this queued callback goes to this free agent's channel."""

    callback: Callback
    service: Service
    agent: Agent
    status: AgentChannelStatus


async def offer(session: AsyncSession, offers: Sequence[Offer], *, now: datetime) -> list[Handling]:
    """Put queued callbacks in front of free agents, each with a countdown.

    A whole routing pass is built as column values and written at once (``write_offers``: one
    statement on PostgreSQL, one a table on SQLite), not by the unit of work object by object;
    the interactions are then in the session as if loaded, and the callbacks and the agents'
    channels hold what was written.
    """
    steps = [transition(o.callback.id, o.callback.state, CallbackEvent.OFFER) for o in offers]
    rows = repository.OfferRows([], [], [], [], [], [], [])
    handlings = []
    for o, change in zip(offers, steps, strict=True):
        callback, status = o.callback, o.status
        interaction = _interaction_row(o, now=now)
        # A use case reads the clock before it holds the callback (callbacks.service._apply):
        # a change committed since is not followed by an earlier one.
        at = max(now, callback.updated_at)
        rows.interactions.append(interaction)
        rows.callbacks.append(
            {
                "id": callback.id,
                "version": callback.version,
                "state": change.target,
                "updated_at": at,
            }
        )
        rows.statuses.append(
            {
                "agent_id": status.agent_id,
                "channel": status.channel,
                "version": status.version,
                "offered": interaction["id"],
            }
        )
        # The objects take the values written, as if read back (a failed write rolls the
        # pass back, and the session forgets them).
        _written(callback, state=change.target, updated_at=at, version=callback.version + 1)
        _written(status, offered=interaction["id"], version=status.version + 1)
        payload = changes.payload(callback, change)
        rows.callback_history.append(
            {
                "callback_id": callback.id,
                "at": at,
                "actor": "routing",
                "event": change.event,
                "from_state": change.source,
                "to_state": change.target,
                "reason": f"offered to {o.agent.login}",
            }
        )
        rows.outbox.append({"topic": changes.topic(callback), "payload": payload, "created_at": at})
        webhook_event = event_row(callback, payload, at=at)
        if webhook_event is not None:
            rows.webhook_events.append(webhook_event)
        rows.interaction_history.append(
            {
                "interaction_id": interaction["id"],
                "at": now,
                "actor": "routing",
                "kind": "offered",
                "detail": {"agent": o.agent.login},
            }
        )
        handling = Handling(Interaction(**interaction), callback, o.service)
        handlings.append(handling)
    await repository.write_offers(session, rows)
    for values, handling, o in zip(rows.outbox, handlings, offers, strict=True):
        # Written above, not by the unit of work: announced for the commit's listeners.
        outbox.announce(session, OutboxEvent(**values))
        make_transient_to_detached(handling.interaction)
        session.add(handling.interaction)
        announce_status(session, o.status, now=now)
        announce(session, handling, now=now, topic="interaction.offered")
    return handlings


def _interaction_row(o: Offer, *, now: datetime) -> dict[str, Any]:
    """The columns of the interaction that offers ``o`` (every column: one statement shape)."""
    config = o.service.config
    return {
        "id": new_id(),
        "callback_id": o.callback.id,
        "agent_id": o.agent.id,
        "channel": AgentChannel(config.channel),
        "state": InteractionState.OFFERED,
        "preview": preview_fields(o.callback, o.service),
        "offered_at": now,
        "offer_expires_at": now + timedelta(seconds=config.offer_timeout_seconds),
        "accepted_at": None,
        "ended_at": None,
        "call_id": None,
        "last_result": None,
        "parties": {},
        "consultation_id": None,
        "consultation_target": None,
        "consultation_state": None,
        "disposition": None,
        "transferred_from": None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _written(row: Any, **values: Any) -> None:
    for column, value in values.items():
        set_committed_value(row, column, value)


async def accept(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, now: datetime
) -> Handling:
    handling = await load(session, interaction_id, agent=agent)
    step(handling, InteractionEvent.ACCEPT, now=now)
    interaction = handling.interaction
    interaction.accepted_at, interaction.offer_expires_at = now, None
    status = await _status(session, interaction)
    status.offered, status.busy_with = None, interaction.id
    announce_status(session, status, now=now)
    change_state(session, handling.callback, CallbackEvent.ACCEPT, actor=agent.login, now=now)
    note(session, handling, "accepted", actor=agent.login, now=now)
    if dials_on_accept(handling):
        from ringback.interactions.calls import dial  # accept then dial is one unit of work

        try:
            await dial(session, handling, agent=agent, now=now)
        except RingbackError as refused:
            if refused.code != "outside-calling-window":
                raise
            # The window closed since the offer: the agent keeps it and may reschedule it.
            note(session, handling, "not_dialled", actor="routing", now=now, reason=refused.detail)
    announce(session, handling, now=now)
    return handling


def dials_on_accept(handling: Handling) -> bool:
    """Voice callbacks are dialled at once; previewed and web callbacks wait for Call."""
    config = handling.service.config
    previewed = config.preview.enabled and handling.callback.type is CallbackType.DELAYED
    return config.channel == "voice" and not previewed


async def reject(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, now: datetime
) -> Handling:
    handling = await load(session, interaction_id, agent=agent)
    await _give_back(
        session, handling, InteractionEvent.REJECT, actor=agent.login, now=now, reason="rejected"
    )
    return handling


async def time_out_offers(session: AsyncSession, *, now: datetime, limit: int = 200) -> int:
    """Offers nobody answered go back to routing; the agent may be set Not Ready."""
    expired = await repository.expired_offers(session, now, limit)
    for interaction in expired:
        handling = await with_context(session, interaction)
        status = await _give_back(
            session,
            handling,
            InteractionEvent.TIME_OUT,
            actor="routing",
            now=now,
            reason="no answer in time",
        )
        if handling.service.config.timeout_sets_not_ready and status.status is AgentStatus.READY:
            agent = await agent_repository.by_id(session, interaction.agent_id)
            assert agent is not None
            change_status(
                session, agent, status, AgentStatus.NOT_READY, now=now, reason="missed-offer"
            )
    return len(expired)


async def withdraw(
    session: AsyncSession, *, callback: Callback, now: datetime, actor: str = "customer"
) -> None:
    """The callback was cancelled while it was on an agent's screen: take it away."""
    interaction = await repository.open_offer_for_callback(session, callback.id)
    if interaction is None:
        return
    handling = await with_context(session, interaction, lock_callback=False)
    step(handling, InteractionEvent.WITHDRAW, now=now)
    interaction.offer_expires_at, interaction.ended_at = None, now
    status = await _status(session, interaction)
    status.offered = None
    announce_status(session, status, now=now)
    note(session, handling, "withdrawn", actor=actor, now=now)
    announce(session, handling, now=now)


callbacks.handle_offer_withdrawal(withdraw)


async def _give_back(
    session: AsyncSession,
    handling: Handling,
    event: InteractionEvent,
    *,
    actor: str,
    now: datetime,
    reason: str,
) -> AgentChannelStatus:
    step(handling, event, now=now)
    interaction = handling.interaction
    interaction.offer_expires_at, interaction.ended_at = None, now
    status = await _status(session, interaction)
    status.offered = None
    announce_status(session, status, now=now)
    # Back in the queue, in its old place: queued_at is unchanged.
    change_state(
        session, handling.callback, CallbackEvent.REJECT, actor=actor, now=now, reason=reason
    )
    note(session, handling, str(event), actor=actor, now=now)
    announce(session, handling, now=now)
    return status


async def _status(session: AsyncSession, interaction: Interaction) -> AgentChannelStatus:
    status = await agent_repository.channel_status(
        session, interaction.agent_id, interaction.channel, for_update=True
    )
    assert status is not None
    return status
