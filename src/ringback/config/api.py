"""Public settings of callback services, and their open slots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ringback.apitypes import OffsetDateTime
from ringback.auth import ApiUnit
from ringback.callbacks.schemas import Availability, availability_read
from ringback.callbacks.service import availability as open_slots
from ringback.callbacks.service import service_for
from ringback.callbacks.states import CallbackType
from ringback.config import repository
from ringback.config.repository import Service
from ringback.config.schema import ExceptionConfig, OfficeHoursConfig
from ringback.errors import invalid
from ringback.runtime import RuntimeDep

router = APIRouter(prefix="/api/v1/services", tags=["services"])
MAX_AVAILABILITY_DAYS = 31


class ServiceRead(BaseModel):
    name: str
    display_name: str
    description: str
    time_zone: str
    default_region: str
    types: list[CallbackType]
    office_hours: OfficeHoursConfig = Field(description="Weekly hours and the exceptions ahead.")
    slot_minutes: int
    slot_capacity: int
    booking_horizon_days: int
    min_lead_minutes: int
    delay_minutes: int
    best_time_to_call: bool = Field(
        description="Whether a delayed callback may be moved, up to best_time_window_minutes "
        "after its planned time, to the hour its number answers best (docs/reports.md)."
    )
    best_time_window_minutes: int = Field(
        description="How much later than its planned time a delayed callback may be called."
    )
    best_time_min_calls: int = Field(
        description="Dials the service needs in its last eight weeks before it moves a callback."
    )
    customer_emails: bool = Field(
        description="Whether a callback's customer is e-mailed (confirmation with a calendar "
        "invitation, updates, reminder), given an e-mail address."
    )
    reminder_before_minutes: int = Field(
        description="How long before a scheduled callback's time the reminder goes; 0: none."
    )
    expiry_email: bool = Field(description="Whether the customer is told that a callback expired.")
    open_now: bool
    next_open: datetime | None


def _read(service: Service, now: datetime) -> ServiceRead:
    settings = service.config
    upcoming: list[ExceptionConfig] = [
        e
        for e in settings.office_hours.exceptions
        if e.date >= now.astimezone(settings.zone).date()
    ]
    return ServiceRead(
        name=settings.name,
        display_name=settings.display_name or settings.name,
        description=settings.description,
        time_zone=settings.time_zone,
        default_region=settings.default_region,
        types=settings.types,
        office_hours=settings.office_hours.model_copy(update={"exceptions": upcoming}),
        slot_minutes=settings.slot_minutes,
        slot_capacity=settings.slot_capacity,
        booking_horizon_days=settings.booking_horizon_days,
        min_lead_minutes=settings.min_lead_minutes,
        delay_minutes=settings.delay_minutes,
        best_time_to_call=settings.best_time_to_call,
        best_time_window_minutes=settings.best_time_window_minutes,
        best_time_min_calls=settings.best_time_min_calls,
        customer_emails=settings.customer_emails,
        reminder_before_minutes=settings.reminder_before_minutes,
        expiry_email=settings.expiry_email,
        open_now=settings.hours.is_open(now),
        next_open=settings.hours.next_open(now),
    )


@router.get("", response_model=list[ServiceRead])
async def list_services(api: ApiUnit, runtime: RuntimeDep) -> list[ServiceRead]:
    """The services this API key may use."""
    services = await repository.active_services(api.session)
    now = runtime.clock.now()
    return [_read(s, now) for s in services if api.caller.may_use(s.name)]


@router.get("/{service}", response_model=ServiceRead)
async def get_service(service: str, api: ApiUnit, runtime: RuntimeDep) -> ServiceRead:
    found = await service_for(api.session, name=service, caller=api.caller)
    return _read(found, runtime.clock.now())


@router.get("/{service}/availability", response_model=Availability)
async def availability(
    service: str,
    api: ApiUnit,
    runtime: RuntimeDep,
    start: Annotated[OffsetDateTime | None, Query(description="Default: now.")] = None,
    end: Annotated[OffsetDateTime | None, Query(description="Default: start + 7 days.")] = None,
) -> Availability:
    """Bookable slots between ``start`` and ``end`` (at most 31 days), with places left."""
    now = runtime.clock.now()
    start = start or now
    end = end or start + timedelta(days=7)
    if end <= start:
        raise invalid("invalid-range", "end must be after start", field="end")
    if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise invalid(
            "invalid-range", f"ask for at most {MAX_AVAILABILITY_DAYS} days at once", field="end"
        )
    found = await service_for(api.session, name=service, caller=api.caller)
    slots = await open_slots(api.session, service=found, start=start, end=end, now=now)
    return availability_read(found, slots)
