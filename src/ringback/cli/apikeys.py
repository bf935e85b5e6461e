"""``ringback apikey``: keys for integrations."""

from __future__ import annotations

from typing import Annotated

import typer

from ringback.apikeys import service
from ringback.cli.common import DEFAULT_DB, DbOption, run, unit_of_work
from ringback.clock import SystemClock
from ringback.compat.credentials import client_for_key

app = typer.Typer(help="API keys for web pages, apps and IVRs.", no_args_is_help=True)


@app.command()
def create(
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. website.")],
    services: Annotated[
        str, typer.Option("--services", help="Comma-separated services, or * for all.")
    ],
    rate_limit: Annotated[
        int | None,
        typer.Option("--rate-limit", min=1, help="Requests per minute (default: server's)."),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create a key; it is printed once and only its hash is stored."""

    async def work() -> str:
        async with unit_of_work(db) as session:
            issued = await service.create_key(
                session,
                name=name,
                services=services.split(","),
                now=SystemClock().now(),
                rate_limit_per_minute=rate_limit,
            )
            return issued.secret

    secret = run(work)
    typer.echo(secret)
    # On stderr, so that `KEY=$(ringback apikey create ...)` still captures the key alone.
    client = client_for_key(secret)
    typer.echo(
        "The same key as an OAuth client (Genesys Cloud and GMS surfaces, docs/migrating.md):\n"
        f"  client id:     {client.client_id}\n"
        f"  client secret: {client.client_secret}",
        err=True,
    )
    typer.echo("Store it now: it is not shown again.", err=True)


@app.command("list")
def list_keys(db: DbOption = DEFAULT_DB) -> None:
    """Keys, their scope and whether they are revoked."""

    async def work() -> list[str]:
        async with unit_of_work(db) as session:
            return [
                f"{key.name}\t{key.prefix}\t{','.join(key.scope['services'])}\t"
                f"{'revoked ' + key.revoked_at.isoformat() if key.revoked_at else 'active'}"
                for key in await service.list_keys(session)
            ]

    for line in run(work):
        typer.echo(line)


@app.command()
def revoke(
    name: Annotated[str, typer.Argument(help="The key's name.")], db: DbOption = DEFAULT_DB
) -> None:
    """Revoke a key at once; requests with it get 401."""

    async def work() -> None:
        async with unit_of_work(db) as session:
            await service.revoke_key(session, name=name, now=SystemClock().now())

    run(work)
    typer.echo(f"revoked {name}")
