"""Alembic migrations, shipped inside the package so an installed node can upgrade itself."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ringback.db import sync_url

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating a SQLite file if needed)."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


class SchemaFit(StrEnum):
    """How a database's schema fits this version of Ringback."""

    CURRENT = "current"
    OUTDATED = "outdated"  # empty, or a revision before this version's head: upgrade first
    NEWER = "newer"  # a revision this version does not know: a later release migrated it


@cache
def known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(revision.revision for revision in script.walk_revisions())


def schema_fit(found: str | None) -> SchemaFit:
    """Whether a node of this version may serve a database at revision ``found``.

    Migrations only add, so a node keeps working on a schema that a newer release upgraded
    (docs/operations.md): that is what lets nodes be upgraded one at a time.
    """
    if found == head_revision():
        return SchemaFit.CURRENT
    if found is None or found in known_revisions():
        return SchemaFit.OUTDATED
    return SchemaFit.NEWER
