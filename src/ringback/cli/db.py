"""``ringback db``: schema migrations."""

from __future__ import annotations

import typer

from ringback import migrations
from ringback.cli.common import DEFAULT_DB, DbOption

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command()
def upgrade(db: DbOption = DEFAULT_DB) -> None:
    """Create or upgrade the database schema to this version's."""
    migrations.upgrade(db)
    typer.echo(f"database at schema {migrations.head_revision()}")
