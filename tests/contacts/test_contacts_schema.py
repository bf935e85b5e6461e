"""Migration 0002 creates exactly the tables the contact, e-mail and response models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from ringback.db import sync_url
from ringback.models import metadata

TABLES = {
    "contacts",
    "contact_phones",
    "contact_emails",
    "contact_history",
    "email_messages",
    "standard_responses",
    "standard_response_services",
}


def _tables_named(diff: Any) -> set[str]:
    """The table names an alembic difference mentions (its shape varies with its kind)."""
    if isinstance(diff, list):
        return set().union(*(_tables_named(d) for d in diff))
    names = set()
    for part in diff:
        table = getattr(part, "table", None)
        name = getattr(part, "name", None)
        if isinstance(part, str):
            names.add(part)
        elif table is not None:
            names.add(table.name)
        elif name is not None:
            names.add(name)
    return names


def test_the_migrated_tables_match_the_models(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) >= TABLES
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, metadata) if _tables_named(d) & TABLES]
    engine.dispose()
    assert differences == []


def test_name_keys_sort_bytewise_on_postgresql(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        columns = {c["name"]: c for c in inspect(connection).get_columns("contacts")}
    engine.dispose()
    if engine.dialect.name == "postgresql":
        keys = ("first_key", "last_key", "name_key")
        assert {columns[key]["type"].collation for key in keys} == {"C"}
