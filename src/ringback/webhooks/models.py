"""Webhook tables: integrators' endpoints, the callback events, deliveries and their attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from ringback.db import Base, enum_column, new_id

BigId = BigInteger().with_variant(Integer, "sqlite")
# A list, or NULL for "all": JSON rather than JSONB so that NULL stays SQL NULL on both engines.
OptionalList = JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


class EndpointSource(StrEnum):
    API = "api"  # made through the API, by an API key that owns it
    CONFIG = "config"  # a [[webhooks]] entry of the configuration file


class DeliveryState(StrEnum):
    PENDING = "pending"  # to be sent, perhaps again after failures; held while disabled
    DELIVERED = "delivered"  # the endpoint answered 2xx


class WebhookEndpoint(Base):
    """Where events go. The secret signs them; it must be kept to sign, so it is stored as is."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source: Mapped[EndpointSource] = mapped_column(enum_column(EndpointSource))
    # The [[webhooks]] entry's name; NULL for endpoints made through the API.
    name: Mapped[str | None] = mapped_column(String(63), unique=True)
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(120))
    # After a rotation the previous secret signs too, until previous_secret_until.
    previous_secret: Mapped[str | None] = mapped_column(String(120))
    previous_secret_until: Mapped[datetime | None]
    event_types: Mapped[list[str] | None] = mapped_column(OptionalList)  # NULL: every type
    services: Mapped[list[str] | None] = mapped_column(OptionalList)  # NULL: every service
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None]  # first failure since the last success
    last_success_at: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookEvent(Base):
    """One change of a callback, captured in the transaction that made it.

    ``callback`` holds the callback's columns as they were at that change, so that an event
    sent later still shows the callback of that moment. ``body`` is the signed payload, made
    the first time the event is sent and then kept, so every attempt sends the same bytes.
    """

    __tablename__ = "webhook_events"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=new_id)  # the webhook-id
    type: Mapped[str] = mapped_column(String(40))
    callback_id: Mapped[uuid.UUID]
    service_id: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    callback: Mapped[dict[str, Any]]
    change: Mapped[dict[str, Any]]
    body: Mapped[str | None] = mapped_column(Text)
    # NULL until the deliveries of the event are made (only those rows are indexed).
    fanned_out_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_webhook_events_unfanned",
            "seq",
            postgresql_where=text("fanned_out_at IS NULL"),
            sqlite_where=text("fanned_out_at IS NULL"),
        ),
    )


class WebhookDelivery(Base):
    """One event for one endpoint. A redelivery is a new row for the same event."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_seq: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_events.seq", ondelete="CASCADE"), index=True
    )
    # The event's, copied: deliveries of one callback to one endpoint go in event order.
    callback_id: Mapped[uuid.UUID]
    state: Mapped[DeliveryState] = mapped_column(enum_column(DeliveryState))
    redelivery: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; backoff grows with it
    next_attempt_at: Mapped[datetime]
    # A node sending it holds it until then; past it (the node died), another node may.
    lease_until: Mapped[datetime | None]
    # The first attempt of the current run of failures: the retry horizon counts from it.
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        # The delivery log, newest first.
        Index("ix_webhook_deliveries_log", "endpoint_id", "id"),
        # What is waiting, per endpoint and in order per callback (only waiting rows).
        Index(
            "ix_webhook_deliveries_pending",
            "endpoint_id",
            "callback_id",
            "event_seq",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index(
            "ix_webhook_deliveries_due",
            "endpoint_id",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )


class WebhookAttempt(Base):
    """One HTTP request of a delivery: what the endpoint answered, or why there was no answer."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)  # NULL: no HTTP answer
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
