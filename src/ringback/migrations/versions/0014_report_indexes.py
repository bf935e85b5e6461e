"""indexes for the reports: the agents' status history and the case history by kind and time

The handling report reads the stretches of After Call Work that began in its range and, for
each, the agent's next status on that channel; the answer-rate report reads the dials' results
of its range. Without these each reads its whole table (the next status: once per stretch,
5.8 s for a month at 100,000 stored callbacks on PostgreSQL).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_status_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_status_history_status_at", ["to_status", "at"], unique=False
        )
        batch_op.create_index(
            "ix_agent_status_history_agent_channel_id",
            ["agent_id", "channel", "id"],
            unique=False,
        )
    with op.batch_alter_table("interaction_history", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_history_kind_at", ["kind", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interaction_history", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_history_kind_at")
    with op.batch_alter_table("agent_status_history", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_status_history_agent_channel_id")
        batch_op.drop_index("ix_agent_status_history_status_at")
