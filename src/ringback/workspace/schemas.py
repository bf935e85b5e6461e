"""Shapes the Workspace API adds around callback services."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ringback.callbacks.states import CallbackType
from ringback.config.repository import Service


class PreviewRead(BaseModel):
    enabled: bool
    fields: list[str] = Field(description="Shown in the offer's `preview`, in this order.")


class AgentServiceRead(BaseModel):
    """A callback service as the agent desktop needs it (Reschedule picker, wrap-up)."""

    name: str
    display_name: str
    description: str
    channel: str
    time_zone: str
    default_region: str = Field(
        description="ISO 3166 region whose numbers the desktop shows in national format."
    )
    types: list[CallbackType]
    slot_minutes: int
    slot_capacity: int
    booking_horizon_days: int
    min_lead_minutes: int
    disposition_required: bool
    dispositions: list[str] = Field(description="Top-level disposition codes allowed.")
    preview: PreviewRead
    open_now: bool
    next_open: datetime | None


def agent_service_read(service: Service, now: datetime) -> AgentServiceRead:
    settings = service.config
    return AgentServiceRead(
        name=settings.name,
        display_name=settings.display_name or settings.name,
        description=settings.description,
        channel=settings.channel,
        time_zone=settings.time_zone,
        default_region=settings.default_region,
        types=settings.types,
        slot_minutes=settings.slot_minutes,
        slot_capacity=settings.slot_capacity,
        booking_horizon_days=settings.booking_horizon_days,
        min_lead_minutes=settings.min_lead_minutes,
        disposition_required=settings.disposition_required,
        dispositions=settings.dispositions,
        preview=PreviewRead(enabled=settings.preview.enabled, fields=settings.preview.fields),
        open_now=settings.hours.is_open(now),
        next_open=settings.hours.next_open(now),
    )
