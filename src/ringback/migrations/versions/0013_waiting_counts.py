"""callbacks waiting, counted as they change: counts per service and waiting state, kept by
triggers; indexes for a service's oldest queued, next scheduled and late callbacks, and a queue
position counted in the index alone

Measured with `ringback bench scale` at 1,000,000 stored (10,000 queued, 40,000 scheduled): the
supervisor's queue counts read every waiting row (130 ms on PostgreSQL), the late count every
late one, and a position every queued row of its queue, from the table.

Triggers on callbacks append +1/-1 to callback_waiting_changes as a row enters or leaves a
waiting state; a fold moves those rows into callback_waiting_counts. Nothing is ever updated
by two requests, so intake does not wait on a counter row. The triggers are dropped with the
table: a later migration that has SQLite rebuild callbacks (batch mode, ``recreate``) must
create them again (``tests/callbacks/test_waiting_counts.py`` fails without them).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Waiting: the states of WAITING_LIST_STATES (ringback/callbacks/states.py), spelled out here
# so that this revision keeps meaning what it meant when written.
POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION callback_waiting_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.state IN ('scheduled', 'queued', 'offered') THEN
            INSERT INTO callback_waiting_changes (service_id, state, change)
            VALUES (OLD.service_id, OLD.state, -1);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state IN ('scheduled', 'queued', 'offered') THEN
            INSERT INTO callback_waiting_changes (service_id, state, change)
            VALUES (NEW.service_id, NEW.state, 1);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER callbacks_waiting_insert AFTER INSERT ON callbacks
    FOR EACH ROW WHEN (NEW.state IN ('scheduled', 'queued', 'offered'))
    EXECUTE FUNCTION callback_waiting_change()
    """,
    """
    CREATE TRIGGER callbacks_waiting_update AFTER UPDATE OF state, service_id ON callbacks
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       OR OLD.service_id IS DISTINCT FROM NEW.service_id)
    EXECUTE FUNCTION callback_waiting_change()
    """,
    """
    CREATE TRIGGER callbacks_waiting_delete AFTER DELETE ON callbacks
    FOR EACH ROW WHEN (OLD.state IN ('scheduled', 'queued', 'offered'))
    EXECUTE FUNCTION callback_waiting_change()
    """,
)

SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER callbacks_waiting_insert AFTER INSERT ON callbacks
    WHEN NEW.state IN ('scheduled', 'queued', 'offered')
    BEGIN
        INSERT INTO callback_waiting_changes (service_id, state, change)
        VALUES (NEW.service_id, NEW.state, 1);
    END
    """,
    """
    CREATE TRIGGER callbacks_waiting_update AFTER UPDATE OF state, service_id ON callbacks
    WHEN OLD.state IS NOT NEW.state OR OLD.service_id IS NOT NEW.service_id
    BEGIN
        INSERT INTO callback_waiting_changes (service_id, state, change)
        SELECT OLD.service_id, OLD.state, -1 WHERE OLD.state IN ('scheduled', 'queued', 'offered');
        INSERT INTO callback_waiting_changes (service_id, state, change)
        SELECT NEW.service_id, NEW.state, 1 WHERE NEW.state IN ('scheduled', 'queued', 'offered');
    END
    """,
    """
    CREATE TRIGGER callbacks_waiting_delete AFTER DELETE ON callbacks
    WHEN OLD.state IN ('scheduled', 'queued', 'offered')
    BEGIN
        INSERT INTO callback_waiting_changes (service_id, state, change)
        VALUES (OLD.service_id, OLD.state, -1);
    END
    """,
)

OLDEST_QUEUED = "state = 'queued'"
NOT_TRIED_WAITING = "attempts = 0 AND state IN ('queued', 'offered')"
TRIGGERS = ("callbacks_waiting_insert", "callbacks_waiting_update", "callbacks_waiting_delete")


def upgrade() -> None:
    op.create_table(
        "callback_waiting_counts",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_callback_waiting_counts_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("service_id", "state", name=op.f("pk_callback_waiting_counts")),
    )
    op.create_table(
        "callback_waiting_changes",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("change", sa.SmallInteger(), nullable=False),
    )
    # The nodes are stopped while the schema changes: the counts start from the rows as they are.
    op.execute(
        "INSERT INTO callback_waiting_counts (service_id, state, count) "
        "SELECT service_id, state, count(*) FROM callbacks "
        "WHERE state IN ('scheduled', 'queued', 'offered') GROUP BY service_id, state"
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_queue_position")
        batch_op.create_index(
            "ix_callbacks_queue_position",
            ["queue_id", "state", "priority", "queued_at", "id"],
            unique=False,
        )
        # Partial: SQLite, which has no statistics, took a full (service_id, state, ...) index
        # for intake's look-up of a number's active callbacks and read the service's every one.
        batch_op.create_index(
            "ix_callbacks_oldest_by_service",
            ["service_id", "queued_at"],
            unique=False,
            postgresql_where=sa.text(OLDEST_QUEUED),
            sqlite_where=sa.text(OLDEST_QUEUED),
        )
        batch_op.create_index(
            "ix_callbacks_late_by_service",
            ["service_id", "desired_time", "state", "attempts"],
            unique=False,
            postgresql_where=sa.text(NOT_TRIED_WAITING),
            sqlite_where=sa.text(NOT_TRIED_WAITING),
        )
        batch_op.create_index(
            "ix_callbacks_next_due_by_service",
            ["service_id", "state", "due_at"],
            unique=False,
            postgresql_where=sa.text("due_at IS NOT NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )
    # Last: a batch operation that rebuilt the table on SQLite would drop them.
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_callbacks_next_due_by_service",
            postgresql_where=sa.text("due_at IS NOT NULL"),
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_callbacks_late_by_service",
            postgresql_where=sa.text(NOT_TRIED_WAITING),
            sqlite_where=sa.text(NOT_TRIED_WAITING),
        )
        batch_op.drop_index(
            "ix_callbacks_oldest_by_service",
            postgresql_where=sa.text(OLDEST_QUEUED),
            sqlite_where=sa.text(OLDEST_QUEUED),
        )
        batch_op.drop_index("ix_callbacks_queue_position")
        batch_op.create_index(
            "ix_callbacks_queue_position",
            ["queue_id", "state", "priority", "queued_at"],
            unique=False,
        )
    for trigger in TRIGGERS:
        op.execute(
            f"DROP TRIGGER {trigger} ON callbacks"
            if op.get_bind().dialect.name == "postgresql"
            else f"DROP TRIGGER {trigger}"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION callback_waiting_change()")
    op.drop_table("callback_waiting_changes")
    op.drop_table("callback_waiting_counts")
