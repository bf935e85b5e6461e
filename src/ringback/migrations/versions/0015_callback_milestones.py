"""a callback's milestones on its own row: when it was first queued, first dialled, and when
and by whom it ended (when the customer first answered is contacted_at, already there); the
agents' status history by time

The callbacks report took these from the history: a month's first dials and connects read
360,000 history rows through its time index, and its endings were hashed against the whole
callbacks table (1.8 s for a month at 1,000,000 stored on PostgreSQL). Kept on the row, each
is one range of a partial index that also holds what the report reads of those callbacks, so
the table itself is not read (a month's rows lie all over it). The listing index by request
time holds what the report counts of requests, for the same reason. Existing callbacks get
their milestones from their history.

The handling report reads the agents' statuses of its range in (agent, channel, id) order to
find where each stretch of After Call Work ended; by time, not the whole history.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ringback.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TIMES = ("first_queued_at", "first_dialed_at", "ended_at")
# Every report reads callbacks by service, queue and channel: its filters.
FILTERS = ("service_id", "queue_id", "channel")
# The reports' ranges, each with the columns its report reads (Callback.__table_args__).
COVERING = {
    "first_dialed_at": (*FILTERS, "created_at", "first_queued_at", "type"),
    "contacted_at": (*FILTERS, "created_at"),
    "ended_at": (*FILTERS, "state", "ended_by", "last_result", "attempts", "contacted_at"),
}
LISTING = ("created_at", "id")

# The ending states are TERMINAL_STATES (ringback/callbacks/states.py), spelled out so that this
# revision keeps meaning what it meant when written.
ENDED = "to_state IN ('completed', 'failed', 'cancelled', 'expired')"
POSTGRESQL_BACKFILL = """
UPDATE callbacks SET
    first_queued_at = h.first_queued_at,
    first_dialed_at = h.first_dialed_at,
    ended_at = h.ended_at,
    ended_by = h.ended_by
FROM (
    SELECT callback_id,
        min(at) FILTER (WHERE to_state = 'queued') AS first_queued_at,
        min(at) FILTER (WHERE event = 'dial') AS first_dialed_at,
        max(at) FILTER (WHERE {ended}) AS ended_at,
        (array_agg(actor ORDER BY id DESC) FILTER (WHERE {ended}))[1] AS ended_by
    FROM callback_history
    GROUP BY callback_id
) AS h
WHERE callbacks.id = h.callback_id
"""
SQLITE_BACKFILL = """
UPDATE callbacks SET
    first_queued_at = (
        SELECT min(at) FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.to_state = 'queued'),
    first_dialed_at = (
        SELECT min(at) FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.event = 'dial'),
    ended_at = (
        SELECT max(at) FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.{ended}),
    ended_by = (
        SELECT actor FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.{ended}
        ORDER BY h.id DESC LIMIT 1)
"""


def upgrade() -> None:
    # ALTER TABLE, not batch mode: on SQLite a rebuilt table would lose 0013's triggers.
    for name in TIMES:
        op.add_column(
            "callbacks", sa.Column(name, ringback.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.add_column("callbacks", sa.Column("ended_by", sa.String(length=100), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute((POSTGRESQL_BACKFILL if postgresql else SQLITE_BACKFILL).format(ended=ENDED))
    for name, columns in COVERING.items():
        op.create_index(
            f"ix_callbacks_{name}",
            "callbacks",
            [name, *columns],
            unique=False,
            postgresql_where=sa.text(f"{name} IS NOT NULL"),
            sqlite_where=sa.text(f"{name} IS NOT NULL"),
        )
    op.drop_index("ix_callbacks_listing", table_name="callbacks")
    op.create_index("ix_callbacks_listing", "callbacks", [*LISTING, *FILTERS, "type"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agent_status_history_at", table_name="agent_status_history")
    op.drop_index("ix_callbacks_listing", table_name="callbacks")
    op.create_index("ix_callbacks_listing", "callbacks", list(LISTING), unique=False)
    for name in COVERING:
        op.drop_index(f"ix_callbacks_{name}", table_name="callbacks")
    for name in (*TIMES, "ended_by"):
        op.drop_column("callbacks", name)
