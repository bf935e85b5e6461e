"""agents routing interactions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:59:21.007704
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ringback.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column(
            "roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("place", sa.String(length=63), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("login", name=op.f("uq_agents_login")),
    )
    op.create_table(
        "config_sections",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_config_sections")),
    )
    op.create_table(
        "routing_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_points")),
        sa.UniqueConstraint("name", name=op.f("uq_routing_points_name")),
    )
    op.create_table(
        "agent_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_events_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_events")),
    )
    with op.batch_alter_table("agent_events", schema=None) as batch_op:
        batch_op.create_index("ix_agent_events_agent", ["agent_id", "id"], unique=False)

    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_sessions_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_sessions_token_hash")),
    )
    with op.batch_alter_table("agent_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_sessions_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "agent_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("voice", "webcallback", name="agentchannel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "logged_out",
                "ready",
                "not_ready",
                "after_call_work",
                name="agentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "logged_out",
                "ready",
                "not_ready",
                "after_call_work",
                name="agentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_status_history_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_status_history")),
    )
    with op.batch_alter_table("agent_status_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_status_history_agent_id"), ["agent_id"], unique=False
        )

    op.create_table(
        "agent_targets",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("used_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_targets_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("agent_id", "kind", "target", name=op.f("pk_agent_targets")),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("callback_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("voice", "webcallback", name="agentchannel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "offered",
                "preview",
                "dialing",
                "ringing",
                "connected",
                "on_hold",
                "ready_to_call",
                "transferred",
                "done",
                "rejected",
                "timed_out",
                "withdrawn",
                name="interactionstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "preview",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("offered_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("offer_expires_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("last_result", sa.String(length=32), nullable=True),
        sa.Column(
            "parties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("consultation_id", sa.String(length=64), nullable=True),
        sa.Column("consultation_target", sa.String(length=120), nullable=True),
        sa.Column("consultation_state", sa.String(length=20), nullable=True),
        sa.Column("disposition", sa.String(length=63), nullable=True),
        sa.Column("transferred_from", sa.Uuid(), nullable=True),
        sa.Column("created_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_interactions_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["callback_id"], ["callbacks.id"], name=op.f("fk_interactions_callback_id_callbacks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        sa.UniqueConstraint("call_id", name=op.f("uq_interactions_call_id")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_interactions_consultation_id")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interactions_agent", ["agent_id", "state", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_callback_id"), ["callback_id"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_offer_expires_at",
            ["offer_expires_at"],
            unique=False,
            postgresql_where=sa.text("offer_expires_at IS NOT NULL"),
            sqlite_where=sa.text("offer_expires_at IS NOT NULL"),
        )

    op.create_table(
        "agent_channel_status",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("voice", "webcallback", name="agentchannel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "logged_out",
                "ready",
                "not_ready",
                "after_call_work",
                name="agentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=63), nullable=True),
        sa.Column("since", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_since", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offered", sa.Uuid(), nullable=True),
        sa.Column("busy_with", sa.Uuid(), nullable=True),
        sa.Column("acw_until", ringback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "acw_then",
            sa.Enum(
                "logged_out",
                "ready",
                "not_ready",
                "after_call_work",
                name="agentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_channel_status_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["busy_with"],
            ["interactions.id"],
            name=op.f("fk_agent_channel_status_busy_with_interactions"),
        ),
        sa.ForeignKeyConstraint(
            ["offered"],
            ["interactions.id"],
            name=op.f("fk_agent_channel_status_offered_interactions"),
        ),
        sa.PrimaryKeyConstraint("agent_id", "channel", name=op.f("pk_agent_channel_status")),
    )
    with op.batch_alter_table("agent_channel_status", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_channel_status_acw_until",
            ["acw_until"],
            unique=False,
            postgresql_where=sa.text("acw_until IS NOT NULL"),
            sqlite_where=sa.text("acw_until IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_agent_channel_status_routing", ["channel", "status", "idle_since"], unique=False
        )

    op.create_table(
        "interaction_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("interaction_id", sa.Uuid(), nullable=False),
        sa.Column("at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_interaction_history_interaction_id_interactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction_history")),
    )
    with op.batch_alter_table("interaction_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interaction_history_interaction_id"), ["interaction_id"], unique=False
        )

    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_result", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("contacted_at", ringback.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("reserved_agent_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reserved_until", ringback.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_callbacks_reserved_agent_id_agents"),
            "agents",
            ["reserved_agent_id"],
            ["id"],
        )
        batch_op.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_callbacks_contact_id"), ["contact_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_callbacks_contact_id_contacts"), "contacts", ["contact_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_callbacks_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_callbacks_contact_id"))
        batch_op.drop_column("contact_id")
        batch_op.drop_constraint(
            batch_op.f("fk_callbacks_reserved_agent_id_agents"), type_="foreignkey"
        )
        batch_op.drop_column("reserved_until")
        batch_op.drop_column("reserved_agent_id")
        batch_op.drop_column("contacted_at")
        batch_op.drop_column("last_result")

    with op.batch_alter_table("interaction_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interaction_history_interaction_id"))

    op.drop_table("interaction_history")
    with op.batch_alter_table("agent_channel_status", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_channel_status_routing")
        batch_op.drop_index(
            "ix_agent_channel_status_acw_until",
            postgresql_where=sa.text("acw_until IS NOT NULL"),
            sqlite_where=sa.text("acw_until IS NOT NULL"),
        )

    op.drop_table("agent_channel_status")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_interactions_offer_expires_at",
            postgresql_where=sa.text("offer_expires_at IS NOT NULL"),
            sqlite_where=sa.text("offer_expires_at IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_interactions_callback_id"))
        batch_op.drop_index("ix_interactions_agent")

    op.drop_table("interactions")
    op.drop_table("agent_targets")
    with op.batch_alter_table("agent_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_status_history_agent_id"))

    op.drop_table("agent_status_history")
    with op.batch_alter_table("agent_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_sessions_agent_id"))

    op.drop_table("agent_sessions")
    with op.batch_alter_table("agent_events", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_events_agent")

    op.drop_table("agent_events")
    op.drop_table("routing_points")
    op.drop_table("config_sections")
    op.drop_table("agents")
