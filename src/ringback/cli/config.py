"""``ringback config``: apply and export the configuration file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringback.cli.common import DEFAULT_DB, DbOption, run, unit_of_work
from ringback.clock import SystemClock
from ringback.config.loader import dump_config, load_config
from ringback.config.schema import RingbackConfig
from ringback.config.service import apply_config, export_config

app = typer.Typer(help="Configuration as code.", no_args_is_help=True)
FileArgument = Annotated[Path, typer.Argument(help="A Ringback TOML configuration file.")]


@app.command()
def check(file: FileArgument) -> None:
    """Validate a configuration file without applying it."""

    async def work() -> RingbackConfig:
        return load_config(file)

    config = run(work)
    typer.echo(f"{file}: valid ({len(config.services)} services, {len(config.queues)} queues)")


@app.command()
def apply(file: FileArgument, db: DbOption = DEFAULT_DB) -> None:
    """Validate a configuration file, then apply all of it in one transaction (or nothing)."""

    async def work() -> int:
        config = load_config(file)
        async with unit_of_work(db) as session:
            await apply_config(session, config=config, now=SystemClock().now())
        return len(config.services)

    count = run(work)
    typer.echo(f"applied {file}: {count} services")


@app.command()
def export(
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not to stdout.")
    ] = None,
) -> None:
    """Write the stored configuration out as TOML."""

    async def work() -> str:
        async with unit_of_work(db) as session:
            return dump_config(await export_config(session))

    text = run(work)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
