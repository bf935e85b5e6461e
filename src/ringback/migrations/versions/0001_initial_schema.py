"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 03:32:24.096221
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ringback.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "scope",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "disposition_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=63), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=63), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposition_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_disposition_codes_code")),
    )
    op.create_table(
        "not_ready_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=63), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_not_ready_reasons")),
        sa.UniqueConstraint("code", name=op.f("uq_not_ready_reasons_code")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_pending",
            ["id"],
            unique=False,
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        )

    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("name", name=op.f("uq_queues_name")),
    )
    op.create_table(
        "rate_limit_windows",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("window_start", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_services_queue_id_queues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("name", name=op.f("uq_services_name")),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("customer_time_zone", sa.String(length=64), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "immediate",
                "delayed",
                "scheduled",
                name="callbacktype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("web", "mobile", "ivr", "agent", name="channel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled",
                "queued",
                "offered",
                "accepted",
                "dialing",
                "connected",
                "completed",
                "cancelled",
                "failed",
                "expired",
                name="callbackstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("desired_time", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("slot_start", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("queued_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_callbacks_api_key_id_api_keys")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_callbacks_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_callbacks_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_callbacks_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("due_at IS NOT NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )
        batch_op.create_index("ix_callbacks_listing", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_callbacks_phone", ["phone", "service_id", "state"], unique=False)
        batch_op.create_index(
            "ix_callbacks_queue_position",
            ["queue_id", "state", "priority", "queued_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_callbacks_service_listing",
            ["service_id", "state", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "slot_bookings",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_slot_bookings_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "slot_start", name=op.f("pk_slot_bookings")),
    )
    op.create_table(
        "callback_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("callback_id", sa.Uuid(), nullable=False),
        sa.Column("at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "event",
            sa.Enum(
                "create",
                "due",
                "reschedule",
                "cancel",
                "offer",
                "reject",
                "accept",
                "dial",
                "connect",
                "retry",
                "complete",
                "fail",
                "expire",
                name="callbackevent",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_state",
            sa.Enum(
                "scheduled",
                "queued",
                "offered",
                "accepted",
                "dialing",
                "connected",
                "completed",
                "cancelled",
                "failed",
                "expired",
                name="callbackstate",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "scheduled",
                "queued",
                "offered",
                "accepted",
                "dialing",
                "connected",
                "completed",
                "cancelled",
                "failed",
                "expired",
                name="callbackstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callbacks.id"],
            name=op.f("fk_callback_history_callback_id_callbacks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_history")),
    )
    with op.batch_alter_table("callback_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_history_callback_id"), ["callback_id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("callback_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_idempotency_keys_api_key_id_api_keys")
        ),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callbacks.id"],
            name=op.f("fk_idempotency_keys_callback_id_callbacks"),
        ),
        sa.PrimaryKeyConstraint("api_key_id", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_created_at"))

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("callback_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_history_callback_id"))

    op.drop_table("callback_history")
    op.drop_table("slot_bookings")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_service_listing")
        batch_op.drop_index("ix_callbacks_queue_position")
        batch_op.drop_index("ix_callbacks_phone")
        batch_op.drop_index("ix_callbacks_listing")
        batch_op.drop_index(
            "ix_callbacks_due",
            postgresql_where=sa.text("due_at IS NOT NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )

    op.drop_table("callbacks")
    op.drop_table("services")
    op.drop_table("rate_limit_windows")
    op.drop_table("queues")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_pending",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        )

    op.drop_table("outbox")
    op.drop_table("not_ready_reasons")
    op.drop_table("disposition_codes")
    op.drop_table("api_keys")
