"""The ``ringback`` command."""

from __future__ import annotations

import typer

from ringback.cli import agents, apikeys, bench, callbacks, config, db, openapi, serve, switch

app = typer.Typer(
    name="ringback",
    help="Ringback: a callback system for contact centers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command()(serve.serve)
app.command()(serve.demo)
app.command()(switch.switch)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(apikeys.app, name="apikey")
app.add_typer(callbacks.app, name="callbacks")
app.add_typer(agents.app, name="agents")
app.command()(bench.bench)
app.command()(openapi.openapi)


def main() -> None:
    app()
