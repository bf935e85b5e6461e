"""Shapes of the Callback API."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from ringback.apitypes import OffsetDateTime
from ringback.callbacks.models import Callback
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType
from ringback.config.repository import Service
from ringback.scheduling.zones import check_zone

if TYPE_CHECKING:
    from ringback.callbacks.service import SlotAvailability
    from ringback.customers.links import CustomerLinks

DataKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
DataValue = Annotated[str, StringConstraints(max_length=1000)]


class CallbackCreate(BaseModel):
    """A customer's request to be called back."""

    model_config = ConfigDict(extra="forbid")

    service: str = Field(max_length=63, examples=["billing"])
    phone: str = Field(min_length=3, max_length=40, examples=["+1 212 555 0142"])
    type: CallbackType = CallbackType.IMMEDIATE
    desired_time: OffsetDateTime | None = Field(
        default=None, description="Required for scheduled callbacks; must carry a UTC offset."
    )
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="The customer's IANA time zone; guessed from the number when omitted.",
        examples=["America/New_York"],
    )
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(
        default=None,
        max_length=254,
        description="Where the customer's confirmation and reminders go; none are sent without it.",
        examples=["ada@example.com"],
    )
    language: str | None = Field(
        default=None,
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        description="The customer's language (BCP 47), for their page and e-mails; "
        "English when omitted or not one Ringback speaks.",
        examples=["fr-CA"],
    )
    data: dict[DataKey, DataValue] = Field(default_factory=dict, max_length=50)
    instructions: str | None = Field(default=None, max_length=2000)
    channel: Literal["web", "mobile", "ivr"] = "web"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        try:
            return None if value is None else check_zone(value)
        except ValueError as exc:
            raise PydanticCustomError("unknown-time-zone", str(exc)) from None

    @field_validator("email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(validate_email(value.strip(), check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            raise PydanticCustomError(
                "invalid-email", "not an e-mail address: {reason}", {"reason": str(exc)}
            ) from None


class CallbackReschedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    desired_time: OffsetDateTime


class CallbackCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class LocalTimes(BaseModel):
    service: datetime = Field(description="In the service's time zone.")
    customer: datetime | None = Field(description="In the customer's time zone, when known.")


class SlotRead(BaseModel):
    start: datetime
    end: datetime


class CallbackRead(BaseModel):
    id: uuid.UUID
    state: CallbackState
    service: str
    phone: str = Field(description="E.164")
    type: CallbackType
    channel: str
    desired_time: datetime = Field(description="UTC")
    desired_time_local: LocalTimes
    time_zone: str | None
    due_at: datetime | None
    queued_at: datetime | None
    slot: SlotRead | None
    name: str | None
    email: str | None
    language: str | None
    data: dict[str, str]
    instructions: str | None
    priority: int
    attempts: int
    max_attempts: int
    created_at: datetime
    updated_at: datetime
    manage_url: str | None = Field(
        default=None,
        description="The customer's own page for this callback (docs/customers.md): a private "
        "link to send them, which stops working some days after the callback ended. In the "
        "Callback API's answers; null elsewhere.",
    )


class CallbackPage(BaseModel):
    items: list[CallbackRead]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page.")


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    event: CallbackEvent
    from_state: CallbackState | None
    to_state: CallbackState
    reason: str | None


class PositionRead(BaseModel):
    id: uuid.UUID
    state: CallbackState
    queue: str
    position: int | None = Field(description="1 is next; null unless the callback is queued.")
    ahead: int | None
    estimated_wait_seconds: int | None = Field(
        description="The expected (mean) wait; null when no agent who can take the queue is "
        "working, or the callback is not waiting."
    )
    estimated_wait_p90_seconds: int | None = Field(
        default=None,
        description="Queued callbacks only: nine in ten are offered within this many seconds.",
    )
    estimated_time: datetime | None = Field(description="When an agent is expected to call.")
    method: str = Field(
        description='How the estimate was made: "erlang-position", "configured-handle-time '
        '(no history yet)", "no-agent-staffed", "due-time" or "not-waiting".'
    )


class AvailabilitySlot(BaseModel):
    start: datetime = Field(description="UTC")
    end: datetime
    start_local: datetime = Field(description="In the service's time zone.")
    end_local: datetime
    capacity: int
    booked: int
    available: int


class Availability(BaseModel):
    service: str
    time_zone: str
    slot_minutes: int
    slots: list[AvailabilitySlot]


def callback_read(
    callback: Callback, service: Service, links: CustomerLinks | None = None
) -> CallbackRead:
    """The API view of a stored callback, with its times shown in both time zones, and the
    customer's link to its page when ``links`` is given."""
    customer_zone = ZoneInfo(callback.customer_time_zone) if callback.customer_time_zone else None
    slot = None
    if callback.slot_start is not None:
        slot = SlotRead(
            start=callback.slot_start, end=callback.slot_start + service.config.slot_length
        )
    return CallbackRead(
        id=callback.id,
        state=callback.state,
        service=service.name,
        phone=callback.phone,
        type=callback.type,
        channel=callback.channel,
        desired_time=callback.desired_time,
        desired_time_local=LocalTimes(
            service=callback.desired_time.astimezone(service.config.zone),
            customer=callback.desired_time.astimezone(customer_zone) if customer_zone else None,
        ),
        time_zone=callback.customer_time_zone,
        due_at=callback.due_at,
        queued_at=callback.queued_at,
        slot=slot,
        name=callback.customer_name,
        email=callback.customer_email,
        language=callback.customer_language,
        data=callback.data,
        instructions=callback.instructions,
        priority=callback.priority,
        attempts=callback.attempts,
        max_attempts=service.config.max_attempts,
        created_at=callback.created_at,
        updated_at=callback.updated_at,
        manage_url=links.url(callback.id) if links is not None else None,
    )


def availability_read(service: Service, slots: Sequence[SlotAvailability]) -> Availability:
    """Open slots with their places left, in UTC and in the service's time zone."""
    zone = service.config.zone
    return Availability(
        service=service.name,
        time_zone=service.config.time_zone,
        slot_minutes=service.config.slot_minutes,
        slots=[
            AvailabilitySlot(
                start=slot.start,
                end=slot.end,
                start_local=slot.start.astimezone(zone),
                end_local=slot.end.astimezone(zone),
                capacity=slot.capacity,
                booked=slot.booked,
                available=slot.available,
            )
            for slot in slots
        ],
    )
