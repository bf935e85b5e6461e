"""a callback's milestones on its own row: when it was first queued, first dialled, and when
and by whom it ended (when the customer first answered is contacted_at, already there); the
agents' status history by time

The callbacks report took these from the history: a month's first dials and connects read
360,000 history rows through its time index, and its endings were hashed against the whole
callbacks table (1.8 s for a month at 1,000,000 stored on PostgreSQL). Kept on the row, each
is one range of a partial index that also holds what the report reads of those callbacks, so
the table itself is not read (a month's rows lie all over it). The listing index by request
time holds what the report counts of requests, for the same reason.

A trigger on the history keeps the milestones as each entry is written, whichever node or
version writes it: nodes of the earlier version keep running while an upgrade rolls through.
Existing callbacks get theirs from their history here, and contacted_at (the first answer,
which a node whose clock was behind stamped a little before its history entry) is set to that
entry's time. The trigger is dropped with the table: a later migration that has SQLite rebuild
callback_history (batch mode, ``recreate``) must create it again
(``tests/callbacks/test_milestones.py`` fails without it).

The handling report on PostgreSQL reads the agents' statuses of its range in (agent, channel,
id) order to find where each stretch of After Call Work ended: by time, not the whole history.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import uuid

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
# In batches of callbacks, each committed on its own, so that no callback stays locked for
# long while the nodes keep working; the trigger exists by then, and what it has already set
# is kept (a first is the earlier of the two).
# The last id of the next batch; none when fewer are left (the batch then runs to the end).
POSTGRESQL_BATCH = "SELECT id FROM callbacks WHERE id > :after ORDER BY id OFFSET 4999 LIMIT 1"
POSTGRESQL_BACKFILL = """
UPDATE callbacks SET
    first_queued_at = least(callbacks.first_queued_at, h.first_queued_at),
    first_dialed_at = least(callbacks.first_dialed_at, h.first_dialed_at),
    ended_at = coalesce(callbacks.ended_at, h.ended_at),
    ended_by = coalesce(callbacks.ended_by, h.ended_by),
    contacted_at = coalesce(h.contacted_at, callbacks.contacted_at)
FROM (
    SELECT callback_id,
        min(at) FILTER (WHERE to_state = 'queued') AS first_queued_at,
        min(at) FILTER (WHERE event = 'dial') AS first_dialed_at,
        min(at) FILTER (WHERE event = 'connect') AS contacted_at,
        max(at) FILTER (WHERE {ended}) AS ended_at,
        (array_agg(actor ORDER BY id DESC) FILTER (WHERE {ended}))[1] AS ended_by
    FROM callback_history
    WHERE callback_id > :after AND (CAST(:last AS uuid) IS NULL OR callback_id <= :last)
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
    contacted_at = coalesce((
        SELECT min(at) FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.event = 'connect'), contacted_at),
    ended_at = (
        SELECT max(at) FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.{ended}),
    ended_by = (
        SELECT actor FROM callback_history AS h
        WHERE h.callback_id = callbacks.id AND h.{ended}
        ORDER BY h.id DESC LIMIT 1)
"""


# Each entry that marks a milestone sets it on its callback's row: the first queued and the
# first dial are kept, an ending replaces any earlier one. {marks} and {sets} are filled in.
MARKS = "NEW.to_state = 'queued' OR NEW.event = 'dial' OR NEW.{ended}"
SETS = """
    first_queued_at = CASE WHEN NEW.to_state = 'queued'
        THEN coalesce(first_queued_at, NEW.at) ELSE first_queued_at END,
    first_dialed_at = CASE WHEN NEW.event = 'dial'
        THEN coalesce(first_dialed_at, NEW.at) ELSE first_dialed_at END,
    ended_at = CASE WHEN NEW.{ended} THEN NEW.at ELSE ended_at END,
    ended_by = CASE WHEN NEW.{ended} THEN NEW.actor ELSE ended_by END
"""
POSTGRESQL_TRIGGER = (
    """
    CREATE OR REPLACE FUNCTION callback_milestone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE callbacks SET {sets} WHERE id = NEW.callback_id;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS callback_history_milestone ON callback_history",
    """
    CREATE TRIGGER callback_history_milestone AFTER INSERT ON callback_history
    FOR EACH ROW WHEN ({marks}) EXECUTE FUNCTION callback_milestone()
    """,
)
SQLITE_TRIGGER = (
    """
    CREATE TRIGGER callback_history_milestone AFTER INSERT ON callback_history
    WHEN {marks}
    BEGIN
        UPDATE callbacks SET {sets} WHERE id = NEW.callback_id;
    END
    """,
)


def upgrade() -> None:
    bind = op.get_bind()
    marks, sets = MARKS.format(ended=ENDED), SETS.format(ended=ENDED)
    if bind.dialect.name == "postgresql":
        # Each step committed as it goes, and each can run again: a backfill cut short (the
        # revision is not recorded) starts over where it is harmless to.
        with op.get_context().autocommit_block():
            for name in TIMES:
                op.execute(f"ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS {name} TIMESTAMPTZ")
            op.execute("ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS ended_by VARCHAR(100)")
            for statement in POSTGRESQL_TRIGGER:
                op.execute(statement.format(marks=marks, sets=sets))
            fill = sa.text(POSTGRESQL_BACKFILL.format(ended=ENDED))
            after: uuid.UUID | None = uuid.UUID(int=0)
            while after is not None:
                last = bind.scalar(sa.text(POSTGRESQL_BATCH), {"after": after})
                bind.execute(fill, {"after": after, "last": last})
                after = last
    else:
        # ALTER TABLE, not batch mode: a rebuilt table would lose 0013's triggers. One node,
        # stopped while its schema changes: one statement.
        for name in TIMES:
            op.add_column(
                "callbacks", sa.Column(name, ringback.db.UTCDateTime(timezone=True), nullable=True)
            )
        op.add_column("callbacks", sa.Column("ended_by", sa.String(length=100), nullable=True))
        for statement in SQLITE_TRIGGER:
            op.execute(statement.format(marks=marks, sets=sets))
        op.execute(SQLITE_BACKFILL.format(ended=ENDED))
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
    op.create_index("ix_agent_status_history_at", "agent_status_history", ["at"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER callback_history_milestone ON callback_history")
        op.execute("DROP FUNCTION callback_milestone()")
    else:
        op.execute("DROP TRIGGER callback_history_milestone")
    op.drop_index("ix_agent_status_history_at", table_name="agent_status_history")
    op.drop_index("ix_callbacks_listing", table_name="callbacks")
    op.create_index("ix_callbacks_listing", "callbacks", list(LISTING), unique=False)
    for name in COVERING:
        op.drop_index(f"ix_callbacks_{name}", table_name="callbacks")
    for name in (*TIMES, "ended_by"):
        op.drop_column("callbacks", name)
