"""Shapes of the webhooks API, and of the payload every delivery carries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator
from pydantic.json_schema import SkipJsonSchema

from ringback.apitypes import OffsetDateTime
from ringback.callbacks.schemas import CallbackRead
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.webhooks.config import (
    SECRET_PATTERN,
    ServiceName,
    check_distinct,
    check_secret,
    check_url,
)
from ringback.webhooks.events import EventType
from ringback.webhooks.models import DeliveryState, EndpointSource

# The payload (Standard Webhooks: type, timestamp, data)


class ChangeRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    event: CallbackEvent = Field(description="The event of the callback's state machine.")
    from_state: CallbackState | None = Field(alias="from", description="null when created")
    to: CallbackState


class WebhookData(BaseModel):
    callback: CallbackRead = Field(description="As the Callback API showed it at this change.")
    change: ChangeRead


class WebhookPayload(BaseModel):
    """The JSON body of every delivery."""

    type: EventType
    timestamp: datetime = Field(description="When the change happened (UTC).")
    data: WebhookData


# Endpoints

UNIQUE: dict[str, JsonValue] = {"uniqueItems": True}  # refused otherwise (check_distinct)


class _EndpointFields(BaseModel):
    @field_validator("url", check_fields=False)
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("event_types", check_fields=False)
    @classmethod
    def _types(cls, value: list[EventType] | None) -> list[EventType] | None:
        check_distinct([str(v) for v in value] if value else None, "an event type")
        return value

    @field_validator("services", check_fields=False)
    @classmethod
    def _services(cls, value: list[str] | None) -> list[str] | None:
        return check_distinct(value, "a service")


class EndpointCreate(_EndpointFields):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://crm.example.com/hooks/ringback"])
    description: str = Field(default="", max_length=200)
    event_types: list[EventType] | None = Field(
        default=None,
        min_length=1,
        description="Omitted or null: every type, present and future.",
        json_schema_extra=UNIQUE,
    )
    services: list[ServiceName] | None = Field(
        default=None,
        min_length=1,
        description="Omitted or null: every service the API key may use.",
        json_schema_extra=UNIQUE,
    )
    secret: str | None = Field(
        default=None,
        max_length=120,
        json_schema_extra={"pattern": SECRET_PATTERN},
        description="whsec_ and the base64 of 24 to 64 random bytes; made for you when omitted.",
    )

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        return None if value is None else check_secret(value)


class EndpointUpdate(_EndpointFields):
    """Only the fields sent change; ``null`` for event_types or services means all."""

    model_config = ConfigDict(extra="forbid")

    # Optional, but never null (SkipJsonSchema: the document does not offer null).
    url: Annotated[str, Field(max_length=2000)] | SkipJsonSchema[None] = None
    description: Annotated[str, Field(max_length=200)] | SkipJsonSchema[None] = None
    event_types: list[EventType] | None = Field(
        default=None, min_length=1, json_schema_extra=UNIQUE
    )
    services: list[ServiceName] | None = Field(default=None, min_length=1, json_schema_extra=UNIQUE)
    enabled: bool | SkipJsonSchema[None] = Field(
        default=None,
        description="true enables a disabled endpoint: what waited for it is sent, oldest first.",
    )


class EndpointRead(BaseModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[EventType] | None = Field(description="null: every type")
    services: list[str] | None = Field(description="null: every service the key may use")
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None = Field(description="First failure since the last success.")
    last_success_at: datetime | None
    last_failure_at: datetime | None
    pending_deliveries: int = Field(description="Deliveries waiting to be sent (or held).")
    oldest_pending_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointRead):
    secret: str = Field(description="Verifies the signatures; also at GET .../secret.")


class SecretRead(BaseModel):
    secret: str
    previous_secret_until: datetime | None = Field(
        description="After a rotation, deliveries carry a signature made with the previous "
        "secret too, until then."
    )


class SupervisedEndpointRead(EndpointRead):
    source: EndpointSource = Field(description="api: made by an API key; config: the file's.")
    name: str | None = Field(description="The configuration entry's name.")
    api_key: str | None = Field(description="The API key that made it.")


# Deliveries


class DeliveryRead(BaseModel):
    id: int
    event_id: uuid.UUID = Field(description="Sent as webhook-id; the same for a redelivery.")
    event_type: EventType
    callback_id: uuid.UUID
    occurred_at: datetime
    state: DeliveryState
    redelivery: bool = Field(description="Asked for through redeliver.")
    attempts: int
    next_attempt_at: datetime | None = Field(description="null once delivered.")
    last_attempt_at: datetime | None
    last_status: int | None = Field(description="The HTTP status of the last answer.")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status: int | None = Field(description="null: no HTTP answer (see error).")
    error: str | None
    duration_ms: int


class DeliveryDetail(DeliveryRead):
    attempt_log: list[AttemptRead]
    payload: WebhookPayload | None = Field(description="The body sent; null before a first try.")


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page.")


class RedeliverRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: OffsetDateTime = Field(description="Events that happened at or after this time...")
    until: OffsetDateTime | None = Field(default=None, description="...and before this one.")
    event_types: list[EventType] | None = Field(
        default=None, min_length=1, description="Only these types (still among the endpoint's)."
    )
    callback_id: uuid.UUID | None = Field(default=None, description="Only this callback's.")


class RedeliveryRead(BaseModel):
    deliveries: int = Field(description="Deliveries made; they are sent in event order.")
