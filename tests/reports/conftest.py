"""Stored history written row by row, so every figure of a report can be counted by hand."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents.models import Agent, AgentChannel, AgentStatus, AgentStatusHistory
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType, Channel
from ringback.config.models import ServiceRow
from ringback.db import Database
from ringback.interactions.models import Interaction, InteractionHistory
from ringback.interactions.states import InteractionState

S, E = CallbackState, CallbackEvent


@dataclass
class Story:
    """Callbacks and their history, kept until written in one transaction."""

    rows: list[Any] = field(default_factory=list)
    numbers: int = 0

    def callback(
        self,
        service_id: int,
        queue_id: int,
        *,
        created_at: datetime,
        state: CallbackState,
        type: CallbackType = CallbackType.IMMEDIATE,
        channel: Channel = Channel.WEB,
        attempts: int = 0,
        last_result: str | None = None,
        contacted_at: datetime | None = None,
        desired_time: datetime | None = None,
    ) -> Callback:
        self.numbers += 1
        callback = Callback(
            id=uuid.uuid4(),
            service_id=service_id,
            queue_id=queue_id,
            phone=f"+3314{self.numbers:07d}",
            type=type,
            channel=channel,
            state=state,
            desired_time=desired_time or created_at,
            priority=50,
            attempts=attempts,
            last_result=last_result,
            contacted_at=contacted_at,
            data={},
            created_at=created_at,
            updated_at=created_at,
            version=1,
        )
        self.rows.append(callback)
        first = S.SCHEDULED if type is not CallbackType.IMMEDIATE else S.QUEUED
        self.event(callback, created_at, E.CREATE, None, first, actor="customer")
        return callback

    def event(
        self,
        callback: Callback,
        at: datetime,
        event: CallbackEvent,
        source: CallbackState | None,
        target: CallbackState,
        *,
        actor: str = "routing",
        reason: str | None = None,
    ) -> None:
        self.rows.append(
            CallbackHistory(
                callback_id=callback.id,
                at=at,
                actor=actor,
                event=event,
                from_state=source,
                to_state=target,
                reason=reason,
            )
        )

    def interaction(
        self,
        callback: Callback,
        agent_id: int,
        *,
        offered_at: datetime,
        accepted_at: datetime | None,
        ended_at: datetime | None,
        disposition: str | None = None,
        history: Sequence[tuple[datetime, str, dict[str, Any]]] = (),
    ) -> Interaction:
        interaction = Interaction(
            id=uuid.uuid4(),
            callback_id=callback.id,
            agent_id=agent_id,
            channel=AgentChannel.VOICE,
            state=InteractionState.DONE if ended_at else InteractionState.CONNECTED,
            preview={},
            offered_at=offered_at,
            accepted_at=accepted_at,
            ended_at=ended_at,
            parties={},
            disposition=disposition,
            created_at=offered_at,
            updated_at=ended_at or offered_at,
            version=1,
        )
        self.rows.append(interaction)
        for at, kind, detail in history:
            self.rows.append(
                InteractionHistory(
                    interaction_id=interaction.id, at=at, actor="test", kind=kind, detail=detail
                )
            )
        return interaction

    def status(
        self, agent_id: int, at: datetime, source: AgentStatus | None, target: AgentStatus
    ) -> None:
        self.rows.append(
            AgentStatusHistory(
                agent_id=agent_id,
                channel=AgentChannel.VOICE,
                at=at,
                from_status=source,
                to_status=target,
            )
        )

    async def write(self, db: Database) -> None:
        async with db.transaction() as session:
            for row in self.rows:
                session.add(row)
                await session.flush()  # in order: history after its callback
        self.rows.clear()


async def service_ids(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Each service's id and its queue's id, by name."""
    rows = await session.execute(select(ServiceRow.name, ServiceRow.id, ServiceRow.queue_id))
    return {name: (service_id, queue_id) for name, service_id, queue_id in rows}


async def agent_ids(session: AsyncSession) -> dict[str, int]:
    return {login: i for login, i in await session.execute(select(Agent.login, Agent.id))}
