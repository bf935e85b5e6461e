"""``ringback openapi``: write the OpenAPI document of every HTTP surface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ringback.app import create_app
from ringback.settings import Settings


def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print the OpenAPI document (the agent desktop's client is generated from it)."""
    # Building the document opens nothing: the lifespan, which connects, never runs.
    document = create_app(Settings(database_url="sqlite+aiosqlite://")).openapi()
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
