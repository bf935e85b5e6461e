"""contacts, e-mail to contacts, standard responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

import ringback.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _when(column: str) -> sa.Column[datetime]:
    return sa.Column(column, ringback.db.UTCDateTime(timezone=True), nullable=False)


def _maybe_when(column: str) -> sa.Column[datetime]:
    return sa.Column(column, ringback.db.UTCDateTime(timezone=True), nullable=True)


def _search_key(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length=length).with_variant(
        sa.String(length=length, collation="C"), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_key", _search_key(100), nullable=False),
        sa.Column("last_key", _search_key(100), nullable=False),
        sa.Column("name_key", _search_key(201), nullable=False),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["contacts.id"], name=op.f("fk_contacts_merged_into_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_listing", "contacts", ["last_key", "first_key", "id"])
    op.create_index(op.f("ix_contacts_merged_into"), "contacts", ["merged_into"])

    op.create_table(
        "contact_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_phones_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_phones")),
        sa.UniqueConstraint("number", name=op.f("uq_contact_phones_number")),
    )
    op.create_index(op.f("ix_contact_phones_contact_id"), "contact_phones", ["contact_id"])

    op.create_table(
        "contact_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("address_key", sa.String(length=254), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_emails_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_emails")),
    )
    op.create_index(op.f("ix_contact_emails_address_key"), "contact_emails", ["address_key"])
    op.create_index(op.f("ix_contact_emails_contact_id"), "contact_emails", ["contact_id"])

    op.create_table(
        "contact_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        _when("at"),
        sa.Column(
            "kind",
            sa.Enum(
                "callback",
                "note",
                "disposition",
                "email",
                "merge",
                name="contacthistorykind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("callback_id", sa.Uuid(), nullable=True),
        sa.Column("email_message_id", sa.Uuid(), nullable=True),
        sa.Column("agent_login", sa.String(length=63), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_history_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_history")),
    )
    op.create_index("ix_contact_history_contact", "contact_history", ["contact_id", "at", "id"])

    op.create_table(
        "email_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("agent_login", sa.String(length=63), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("queued", "sent", "failed", name="emailstate", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _maybe_when("next_attempt_at"),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _maybe_when("sent_at"),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_email_messages_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
    )
    op.create_index("ix_email_messages_contact", "email_messages", ["contact_id", "created_at"])
    op.create_index(
        "ix_email_messages_next_attempt",
        "email_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
        sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
    )

    op.create_table(
        "standard_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=63), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_responses")),
        sa.UniqueConstraint("code", name=op.f("uq_standard_responses_code")),
    )
    op.create_table(
        "standard_response_services",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["standard_responses.id"],
            name=op.f("fk_standard_response_services_response_id_standard_responses"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_standard_response_services_service_id_services"),
        ),
        sa.PrimaryKeyConstraint(
            "response_id", "service_id", name=op.f("pk_standard_response_services")
        ),
    )
    op.create_index(
        op.f("ix_standard_response_services_service_id"),
        "standard_response_services",
        ["service_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_standard_response_services_service_id"), table_name="standard_response_services"
    )
    op.drop_table("standard_response_services")
    op.drop_table("standard_responses")
    op.drop_index(
        "ix_email_messages_next_attempt",
        table_name="email_messages",
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
        sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.drop_index("ix_email_messages_contact", table_name="email_messages")
    op.drop_table("email_messages")
    op.drop_index("ix_contact_history_contact", table_name="contact_history")
    op.drop_table("contact_history")
    op.drop_index(op.f("ix_contact_emails_contact_id"), table_name="contact_emails")
    op.drop_index(op.f("ix_contact_emails_address_key"), table_name="contact_emails")
    op.drop_table("contact_emails")
    op.drop_index(op.f("ix_contact_phones_contact_id"), table_name="contact_phones")
    op.drop_table("contact_phones")
    op.drop_index(op.f("ix_contacts_merged_into"), table_name="contacts")
    op.drop_index("ix_contacts_listing", table_name="contacts")
    op.drop_table("contacts")
