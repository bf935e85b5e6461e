"""webhooks: integrators' endpoints, callback events, deliveries and their attempts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ringback.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json(*, none_as_null: bool = False) -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=none_as_null).with_variant(
        postgresql.JSONB(none_as_null=none_as_null, astext_type=sa.Text()), "postgresql"
    )


def _when(column: str) -> sa.Column[Any]:
    return sa.Column(column, ringback.db.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("seq", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("callback_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("callback", _json(), nullable=False),
        sa.Column("change", _json(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        _when("fanned_out_at"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("id", name=op.f("uq_webhook_events_id")),
    )
    op.create_index(
        op.f("ix_webhook_events_occurred_at"), "webhook_events", ["occurred_at"], unique=False
    )
    op.create_index(
        "ix_webhook_events_unfanned",
        "webhook_events",
        ["seq"],
        unique=False,
        postgresql_where=sa.text("fanned_out_at IS NULL"),
        sqlite_where=sa.text("fanned_out_at IS NULL"),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("api", "config", name="endpointsource", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=63), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=120), nullable=False),
        sa.Column("previous_secret", sa.String(length=120), nullable=True),
        _when("previous_secret_until"),
        sa.Column("event_types", _json(none_as_null=True), nullable=True),
        sa.Column("services", _json(none_as_null=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _when("disabled_at"),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        _when("failing_since"),
        _when("last_success_at"),
        _when("last_failure_at"),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_webhook_endpoints_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
        sa.UniqueConstraint("name", name=op.f("uq_webhook_endpoints_name")),
    )
    op.create_index(
        op.f("ix_webhook_endpoints_api_key_id"), "webhook_endpoints", ["api_key_id"], unique=False
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_seq", BIG_ID, nullable=False),
        sa.Column("callback_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "delivered", name="deliverystate", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("redelivery", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        _when("lease_until"),
        _when("first_attempt_at"),
        _when("last_attempt_at"),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("delivered_at"),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["webhook_events.seq"],
            name=op.f("fk_webhook_deliveries_event_seq_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["endpoint_id", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_event_seq"), "webhook_deliveries", ["event_seq"], unique=False
    )
    op.create_index(
        "ix_webhook_deliveries_log", "webhook_deliveries", ["endpoint_id", "id"], unique=False
    )
    op.create_index(
        "ix_webhook_deliveries_pending",
        "webhook_deliveries",
        ["endpoint_id", "callback_id", "event_seq"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", BIG_ID, nullable=False),
        sa.Column("at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(
        op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("webhook_events")
