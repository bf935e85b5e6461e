"""callbacks: the customer's e-mail address and language, for their page and their e-mails

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("customer_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("customer_language", sa.String(length=35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("customer_language")
        batch.drop_column("customer_email")
