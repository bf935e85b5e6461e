"""the callback history by time: the supervisor's charts read the last hours of it

Without it, the per-queue activity of the last hours reads the whole history table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_history", schema=None) as batch_op:
        batch_op.create_index("ix_callback_history_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("callback_history", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_history_at")
