"""indexes that keep the callback lists, the routing head and the scheduled list off full scans

Measured with `ringback bench scale` at 100,000 and 1,000,000 stored callbacks: without them
the API's list by state or by service, the routing engine's queue head and the supervisor's
scheduled list sort every matching row to return the first page. The phone index gains the
list order in place of the state: with the index by service, SQLite (without statistics) would
otherwise read a whole service's rows for the duplicate check of a new request.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_phone")
        batch_op.create_index(
            "ix_callbacks_listing_by_phone",
            ["phone", "service_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_callbacks_listing_by_state", ["state", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_callbacks_listing_by_service", ["service_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_callbacks_routing", ["state", sa.text("priority DESC"), "queued_at"], unique=False
        )
        batch_op.create_index(
            "ix_callbacks_scheduled",
            ["state", "due_at", "id"],
            unique=False,
            postgresql_where=sa.text("due_at IS NOT NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_callbacks_scheduled",
            postgresql_where=sa.text("due_at IS NOT NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_callbacks_routing")
        batch_op.drop_index("ix_callbacks_listing_by_service")
        batch_op.drop_index("ix_callbacks_listing_by_state")
        batch_op.drop_index("ix_callbacks_listing_by_phone")
        batch_op.create_index("ix_callbacks_phone", ["phone", "service_id", "state"], unique=False)
