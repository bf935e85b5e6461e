"""email_messages: the customer's automatic e-mails about a callback (kind, callback, time,
not before when, calendar attachment); an agent is no longer required

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_messages") as batch:
        batch.alter_column("agent_login", existing_type=sa.String(length=63), nullable=True)
        # Every message written so far is an agent's.
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="agent")
        )
        batch.add_column(sa.Column("callback_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("appointment_at", ringback.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("send_after", ringback.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("calendar", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_email_messages_callback_id_callbacks"), "callbacks", ["callback_id"], ["id"]
        )
        batch.create_index(
            "ix_email_messages_callback",
            ["callback_id", "kind"],
            unique=False,
            postgresql_where=sa.text("callback_id IS NOT NULL"),
            sqlite_where=sa.text("callback_id IS NOT NULL"),
        )


def downgrade() -> None:
    op.execute("DELETE FROM email_messages WHERE agent_login IS NULL")
    with op.batch_alter_table("email_messages") as batch:
        batch.drop_index("ix_email_messages_callback")
        batch.drop_constraint(op.f("fk_email_messages_callback_id_callbacks"), type_="foreignkey")
        batch.drop_column("calendar")
        batch.drop_column("send_after")
        batch.drop_column("appointment_at")
        batch.drop_column("callback_id")
        batch.drop_column("kind")
        batch.alter_column("agent_login", existing_type=sa.String(length=63), nullable=False)
