"""the switch cursor: how far a shared switch's event stream has been applied

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "switch_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("epoch", sa.String(length=64), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", ringback.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_switch_cursors")),
    )


def downgrade() -> None:
    op.drop_table("switch_cursors")
