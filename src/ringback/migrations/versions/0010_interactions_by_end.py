"""interactions by the time they ended: the reports read them by ended_at range

Without it, a report of one day reads every interaction ever handled.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_ended_at", ["ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_ended_at")
