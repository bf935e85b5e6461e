"""Stored history written row by row, so every figure of a report can be counted by hand."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents.models import Agent, AgentChannel, AgentStatus, AgentStatusHistory
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType, Channel
from ringback.config.models import DispositionCodeRow, ServiceRow
from ringback.db import Database
from ringback.interactions.models import Interaction, InteractionHistory
from ringback.interactions.states import InteractionState

S, E = CallbackState, CallbackEvent
ACW, READY, NOT_READY = AgentStatus.AFTER_CALL_WORK, AgentStatus.READY, AgentStatus.NOT_READY


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


def z(text: str) -> datetime:
    """A UTC time written short: ``z("10-24 22:30")`` is 2026-10-24 22:30 UTC."""
    return datetime.fromisoformat(f"2026-{text}:00+00:00")


async def fall_back_story(db: Database) -> None:
    """Seven callbacks of the Paris service around the night clocks go back (see each line)."""
    async with db.transaction() as session:
        service, queue = (await service_ids(session))["returning"]
    story = Story()
    # cb1: asked 00:30+02, dialled by ada ten minutes later, answered, completed at 00:50+02.
    cb1 = story.callback(
        service,
        queue,
        created_at=z("10-24 22:30"),
        state=S.COMPLETED,
        attempts=1,
        contacted_at=z("10-24 22:41"),
    )
    story.event(cb1, z("10-24 22:40"), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
    story.event(cb1, z("10-24 22:41"), E.CONNECT, S.DIALING, S.CONNECTED, actor="switch")
    story.event(cb1, z("10-24 22:50"), E.COMPLETE, S.CONNECTED, S.COMPLETED, actor="ada")
    # cb2: asked 02:10+02 by IVR, dialled by bob, no answer; failed at 02:10+01.
    cb2 = story.callback(
        service,
        queue,
        created_at=z("10-25 00:10"),
        state=S.FAILED,
        channel=Channel.IVR,
        attempts=1,
        last_result="no_answer",
    )
    story.event(cb2, z("10-25 00:20"), E.DIAL, S.ACCEPTED, S.DIALING, actor="bob")
    story.event(cb2, z("10-25 00:21"), E.NO_CONTACT, S.DIALING, S.ACCEPTED, actor="switch")
    story.event(cb2, z("10-25 01:10"), E.FAIL, S.ACCEPTED, S.FAILED, actor="bob")
    # cb3: asked 02:15+01 from the app for a 04:00 slot; the customer cancels at 02:30+01.
    cb3 = story.callback(
        service,
        queue,
        created_at=z("10-25 01:15"),
        state=S.CANCELLED,
        type=CallbackType.SCHEDULED,
        channel=Channel.MOBILE,
        desired_time=z("10-25 03:00"),
    )
    story.event(cb3, z("10-25 01:30"), E.CANCEL, S.SCHEDULED, S.CANCELLED, actor="customer")
    # cb4: delayed, asked 02:20+01, due 03:00+01, expired at 05:00+01.
    cb4 = story.callback(
        service,
        queue,
        created_at=z("10-25 01:20"),
        state=S.EXPIRED,
        type=CallbackType.DELAYED,
        desired_time=z("10-25 02:00"),
    )
    story.event(cb4, z("10-25 02:00"), E.DUE, S.SCHEDULED, S.QUEUED, actor="scheduler")
    story.event(cb4, z("10-25 04:00"), E.EXPIRE, S.QUEUED, S.EXPIRED, actor="scheduler")
    # cb5: asked 00:05+02 for the 01:00+02 slot; first dialled 20 minutes late, no answer;
    # dialled again, answered; completed by ada at 01:30+02.
    cb5 = story.callback(
        service,
        queue,
        created_at=z("10-24 22:05"),
        state=S.COMPLETED,
        type=CallbackType.SCHEDULED,
        attempts=2,
        contacted_at=z("10-24 23:26"),
        desired_time=z("10-24 23:00"),
    )
    story.event(cb5, z("10-24 23:00"), E.DUE, S.SCHEDULED, S.QUEUED, actor="scheduler")
    story.event(cb5, z("10-24 23:20"), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
    story.event(cb5, z("10-24 23:21"), E.NO_CONTACT, S.DIALING, S.ACCEPTED, actor="switch")
    story.event(cb5, z("10-24 23:25"), E.DIAL, S.ACCEPTED, S.DIALING, actor="ada")
    story.event(cb5, z("10-24 23:26"), E.CONNECT, S.DIALING, S.CONNECTED, actor="switch")
    story.event(cb5, z("10-24 23:30"), E.COMPLETE, S.CONNECTED, S.COMPLETED, actor="ada")
    # cb6: asked the evening before the range, still queued; cb7: asked 02:40+01, still queued.
    story.callback(service, queue, created_at=z("10-24 21:50"), state=S.QUEUED)
    story.callback(service, queue, created_at=z("10-25 01:40"), state=S.QUEUED)
    await story.write(db)


def at(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, second, tzinfo=UTC)  # 1 June 2026 is a Monday


def call(*steps: tuple[datetime, str]) -> list[tuple[datetime, str, dict[str, Any]]]:
    return [(when, "call_state", {"state": state, "cause": None}) for when, state in steps]


async def handling_story(db: Database) -> None:
    async with db.transaction() as session:
        service, queue = (await service_ids(session))["anytime"]
        agents = await agent_ids(session)
        session.add_all(
            [
                DispositionCodeRow(code="sale", label="Sale", parent_code=None, position=1),
                DispositionCodeRow(
                    code="sale-upsell", label="Upsell", parent_code="sale", position=2
                ),
            ]
        )
    story = Story()

    def callback() -> Any:
        return story.callback(service, queue, created_at=at(1, 9, 0), state=S.COMPLETED)

    # ada: 10 minutes with two holds (2 minutes, then 1), then After Call Work for 30 s.
    story.interaction(
        callback(),
        agents["ada"],
        offered_at=at(1, 9, 59),
        accepted_at=at(1, 10, 0),
        ended_at=at(1, 10, 10),
        disposition="sale",
        history=[
            (at(1, 10, 0, 30), "dial_result", {"result": "answered"}),
            *call((at(1, 10, 1), "connected"), (at(1, 10, 3), "held")),
            (at(1, 10, 3), "hold", {}),
            *call((at(1, 10, 5), "connected"), (at(1, 10, 7), "held")),
            (at(1, 10, 7), "hold", {}),
            *call((at(1, 10, 8), "released")),
        ],
    )
    story.status(agents["ada"], at(1, 10, 10), READY, ACW)
    story.status(agents["ada"], at(1, 10, 10, 30), ACW, READY)
    # ada: 5 minutes, no answer then an answer, no hold; After Call Work for a minute.
    story.interaction(
        callback(),
        agents["ada"],
        offered_at=at(1, 11, 0),
        accepted_at=at(1, 11, 0),
        ended_at=at(1, 11, 5),
        disposition="sale-upsell",
        history=[
            (at(1, 11, 0, 20), "dial_result", {"result": "no_answer"}),
            (at(1, 11, 2), "dial_result", {"result": "answered"}),
        ],
    )
    story.status(agents["ada"], at(1, 11, 5), READY, ACW)
    story.status(agents["ada"], at(1, 11, 6), ACW, NOT_READY)
    # bob, the next day: 20 minutes, busy, no code; still in After Call Work now.
    story.interaction(
        callback(),
        agents["bob"],
        offered_at=at(2, 9, 0),
        accepted_at=at(2, 9, 0),
        ended_at=at(2, 9, 20),
        history=[(at(2, 9, 0, 40), "dial_result", {"result": "busy"})],
    )
    story.status(agents["bob"], at(2, 9, 20), READY, ACW)
    # Not done yet: in no report.
    story.interaction(
        callback(), agents["bob"], offered_at=at(2, 9, 25), accepted_at=at(2, 9, 25), ended_at=None
    )
    await story.write(db)
