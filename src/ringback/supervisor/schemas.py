"""Shapes of the supervisor's part of the Workspace API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ringback.agents.schemas import AgentRead, ChannelStatusRead, agent_read, status_read
from ringback.apitypes import JsonInteger
from ringback.callbacks.schemas import CallbackRead, callback_read
from ringback.config.schema import ThresholdsConfig
from ringback.supervisor.activity import Window
from ringback.supervisor.service import (
    AgentOverview,
    QueueActivity,
    QueueOverview,
    WaitingCallback,
    WaitingPage,
)
from ringback.supervisor.thresholds import Level, Measure

MIN_PRIORITY, MAX_PRIORITY = 0, 100  # the range a service's priority may take


class CrossingRead(BaseModel):
    measure: Measure = Field(
        description="`oldest_wait`: seconds the oldest queued callback waits; `late`: callbacks "
        "still waiting past their promised time."
    )
    level: Level = Field(description="`warning` or `breach`: which limit was reached.")
    value: int = Field(description="The measure now.")
    threshold: int = Field(description="The limit it reached.")


class QueueRead(BaseModel):
    service: str
    display_name: str
    channel: str
    queue: str
    waiting: int = Field(description="Queued: ready to be offered now.")
    offered: int = Field(description="On an agent's screen, not yet accepted.")
    scheduled: int = Field(description="Waiting for a later time.")
    oldest_queued_at: datetime | None
    oldest_wait_seconds: int | None = Field(description="How long the oldest queued one waits.")
    next_scheduled_at: datetime | None = Field(description="The earliest due_at of the scheduled.")
    agents_ready: int = Field(description="Ready on the service's channel with the queue's skills.")
    agents_free: int = Field(description="Of those, holding no offer or interaction.")
    late: int = Field(
        description="Queued or offered, never tried yet, and still waiting "
        "`thresholds.late_after_seconds` after their desired time."
    )
    thresholds: ThresholdsConfig = Field(description="The service's configured limits.")
    level: Level = Field(description="`ok`, or the worst limit reached: `warning`, `breach`.")
    crossings: list[CrossingRead] = Field(description="Every limit reached, worst first.")


class WaitingCallbackRead(CallbackRead):
    effective_priority: float | None = Field(
        description="Priority plus aging, as routing ranks it now; queued callbacks only."
    )
    offered_to: str | None = Field(description="Login of the agent whose screen shows it.")
    reserved_for: str | None = Field(description="A personal callback's agent.")
    reserved_until: datetime | None
    priority_aging_per_minute: float = Field(
        description="What the service's aging adds to the priority for each minute queued."
    )
    wait_seconds: int | None = Field(
        description="Seconds since `queued_at` (queued and offered); `null` when scheduled."
    )
    late: bool = Field(
        description="Not tried yet and still waiting past its promised time: the desired time "
        "plus the service's `thresholds.late_after_seconds`."
    )


class WaitingPageRead(BaseModel):
    items: list[WaitingCallbackRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor`, with the same filters and sort, for the next page; "
        "`null` on the last page."
    )
    total: int = Field(description="How many callbacks the filters let through, on all pages.")


class QueueActivityRead(BaseModel):
    service: str
    display_name: str
    waiting: list[int] = Field(description="Callbacks queued at the end of each bucket.")
    offered: list[int] = Field(description="Offers made to agents in each bucket.")
    answered: list[int] = Field(description="Calls the customer answered in each bucket.")
    failed: list[int] = Field(
        description="Callbacks that ended unreached in each bucket (failed or expired)."
    )


class ActivityRead(BaseModel):
    start: datetime = Field(description="The start of the first bucket.")
    end: datetime = Field(description="Now: the end of the last bucket, which is partial.")
    bucket_minutes: int
    buckets: list[datetime] = Field(description="The start of each bucket, oldest first.")
    queues: list[QueueActivityRead] = Field(description="One per active service.")


class SupervisorCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class PriorityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: JsonInteger = Field(ge=MIN_PRIORITY, le=MAX_PRIORITY, examples=[90])
    reason: str | None = Field(default=None, max_length=500)


class HoldingRead(BaseModel):
    id: uuid.UUID
    state: str
    channel: str
    callback_id: uuid.UUID
    service: str
    name: str | None
    phone: str


class AgentChannelRead(ChannelStatusRead):
    offered: uuid.UUID | None = Field(description="The interaction offered on this channel.")
    interaction: uuid.UUID | None = Field(description="The interaction in hand on this channel.")


class SupervisedAgentRead(AgentRead):
    statuses: list[AgentChannelRead]
    interaction: HoldingRead | None = Field(
        description="The interaction in hand, or else the offer on the screen."
    )


def queue_read(row: QueueOverview) -> QueueRead:
    settings = row.service.config
    return QueueRead(
        service=settings.name,
        display_name=settings.display_name or settings.name,
        channel=settings.channel,
        queue=row.service.queue,
        waiting=row.waiting,
        offered=row.offered,
        scheduled=row.scheduled,
        oldest_queued_at=row.oldest_queued_at,
        oldest_wait_seconds=row.oldest_wait_seconds,
        next_scheduled_at=row.next_scheduled_at,
        agents_ready=row.agents_ready,
        agents_free=row.agents_free,
        late=row.late,
        thresholds=settings.thresholds,
        level=row.level,
        crossings=[
            CrossingRead(measure=c.measure, level=c.level, value=c.value, threshold=c.threshold)
            for c in sorted(row.crossings, key=lambda c: c.level != Level.BREACH)
        ],
    )


def waiting_read(row: WaitingCallback) -> WaitingCallbackRead:
    return WaitingCallbackRead(
        **callback_read(row.callback, row.service).model_dump(),
        effective_priority=row.effective_priority,
        offered_to=row.offered_to,
        reserved_for=row.reserved_for,
        reserved_until=row.callback.reserved_until,
        priority_aging_per_minute=row.service.config.priority_aging_per_minute,
        wait_seconds=row.wait_seconds,
        late=row.late,
    )


def waiting_page_read(page: WaitingPage) -> WaitingPageRead:
    return WaitingPageRead(
        items=[waiting_read(row) for row in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


def activity_read(span: Window, rows: list[QueueActivity]) -> ActivityRead:
    return ActivityRead(
        start=span.start,
        end=span.end,
        bucket_minutes=int(span.bucket.total_seconds() // 60),
        buckets=span.starts,
        queues=[
            QueueActivityRead(
                service=row.service.name,
                display_name=row.service.config.display_name or row.service.name,
                waiting=row.series.waiting,
                offered=row.series.offered,
                answered=row.series.answered,
                failed=row.series.failed,
            )
            for row in rows
        ],
    )


def agent_overview_read(row: AgentOverview) -> SupervisedAgentRead:
    agent, holding = row.agent, row.holding
    return SupervisedAgentRead(
        **agent_read(agent).model_dump(),
        statuses=[
            AgentChannelRead(
                **status_read(s).model_dump(), offered=s.offered, interaction=s.busy_with
            )
            for s in row.statuses
        ],
        interaction=HoldingRead(
            id=holding.interaction.id,
            state=str(holding.interaction.state),
            channel=str(holding.interaction.channel),
            callback_id=holding.callback.id,
            service=holding.service.name,
            name=holding.callback.customer_name,
            phone=holding.callback.phone,
        )
        if holding
        else None,
    )
