"""``ringback serve`` and ``ringback demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import create_engine

from ringback import migrations
from ringback.agents import repository as agent_repository
from ringback.agents.service import set_password
from ringback.apikeys import service as apikeys
from ringback.app import create_app
from ringback.cli.common import DEFAULT_DB, DbOption, fail, run, unit_of_work
from ringback.clock import SystemClock
from ringback.config.loader import load_config
from ringback.config.service import apply_config
from ringback.db import sync_url
from ringback.demo import demo_config_path
from ringback.demo.callbacks import DEMO_KEY_NAME, DEMO_PASSWORD, seed_callbacks
from ringback.demo.simulator import simulate_customers
from ringback.logs import LogFormat, configure
from ringback.runtime import Runtime
from ringback.settings import Settings

HostOption = Annotated[
    str, typer.Option("--host", envvar="RINGBACK_HOST", help="Address to listen on.")
]
PortOption = Annotated[int, typer.Option("--port", envvar="RINGBACK_PORT", min=1, max=65535)]
SwitchOption = Annotated[
    str | None,
    typer.Option(
        "--switch",
        envvar="RINGBACK_SWITCH_URL",
        help="The switch service to share with other nodes (`ringback switch`), e.g. "
        "http://127.0.0.1:8100. Without it, the simulated switch runs in this process.",
    ),
]
LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format",
        envvar="RINGBACK_LOG_FORMAT",
        help="Log lines as json (one object a line) or console; serve's default is console "
        "on a terminal, json elsewhere.",
    ),
]


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    db: DbOption = DEFAULT_DB,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", envvar="RINGBACK_CONFIG_FILE", help="Apply this file before serving."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", envvar="RINGBACK_LOG_LEVEL")] = "info",
    log_format: LogFormatOption = None,
    switch: SwitchOption = None,
    genesys_cloud_api: Annotated[
        bool,
        typer.Option(
            "--genesys-cloud-api/--no-genesys-cloud-api",
            envvar="RINGBACK_GENESYS_CLOUD_API",
            help="Serve Genesys Cloud's callback API (/api/v2/conversations/callbacks) and "
            "/oauth/token on this node (docs/migrating.md).",
        ),
    ] = True,
    gms_api: Annotated[
        bool,
        typer.Option(
            "--gms-api/--no-gms-api",
            envvar="RINGBACK_GMS_API",
            help="Serve the GMS callback API (/genesys/1 and /genesys/2) on this node "
            "(docs/migrating.md).",
        ),
    ] = True,
) -> None:
    """Serve the Callback API, and run the scheduler, on one node."""
    configure(log_level, log_format)
    _require_current_schema(db)
    if config is not None:
        _apply(db, config)
    settings = Settings(
        database_url=db,
        host=host,
        port=port,
        log_level=log_level,
        switch_url=switch,
        genesys_cloud_api=genesys_cloud_api,
        gms_api=gms_api,
    )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,  # uvicorn's loggers write through ours
        access_log=False,
        # Screens get small JSON events; a deflate context per socket would double its memory.
        ws_per_message_deflate=False,
    )


def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    db: DbOption = DEFAULT_DB,
    log_format: LogFormatOption = LogFormat.CONSOLE,
    switch: SwitchOption = None,
) -> None:
    """Set up a SQLite database with demo services and callbacks, print an API key, and serve."""
    configure("info", log_format)
    migrations.upgrade(db)
    _apply(db, demo_config_path())

    async def work() -> tuple[str, int, list[str]]:
        async with unit_of_work(db) as session:
            now = SystemClock().now()
            for agent in await agent_repository.all_agents(session):
                await set_password(session, login=agent.login, password=DEMO_PASSWORD, now=now)
            issued = await apikeys.rotate_or_create_key(
                session, name=DEMO_KEY_NAME, services=["*"], now=now
            )
        async with unit_of_work(db) as session:
            created = await seed_callbacks(session, now=SystemClock().now())
            logins = [a.login for a in await agent_repository.all_agents(session) if a.active]
        return issued.secret, created, logins

    secret, created, logins = run(work)
    base = f"http://{host}:{port}"
    typer.echo(
        f"\nRingback demo on {base}  (database {db})\n"
        f"  desktop:      {base}/  (supervisors: {base}/supervisor)\n"
        f"  API docs:     {base}/docs\n"
        f"  API key:      {secret}\n"
        f"  demo data:    {created} new callbacks; a demo customer asks for more every ~25 s\n"
        f"  agents:       {', '.join(logins)} (password {DEMO_PASSWORD}); sam is a supervisor\n"
        f"  try:          curl -H 'Authorization: Bearer {secret}' {base}/api/v1/services\n"
    )
    settings = Settings(database_url=db, host=host, port=port, switch_url=switch)

    async def customers(runtime: Runtime) -> None:
        await simulate_customers(runtime.db, runtime.clock)

    app = create_app(settings, extra_loops=[customers])
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
    )


def _apply(db: str, path: Path) -> None:
    async def work() -> None:
        config = load_config(path)
        async with unit_of_work(db) as session:
            await apply_config(session, config=config, now=SystemClock().now())

    run(work)


def _require_current_schema(db: str) -> None:
    engine = create_engine(sync_url(db))
    try:
        with engine.connect() as connection:
            found = migrations.current_revision(connection)
    except Exception as exc:
        raise fail(f"cannot open the database {db}: {exc}") from None
    finally:
        engine.dispose()
    if migrations.schema_fit(found) is migrations.SchemaFit.OUTDATED:
        raise fail(
            f"the database schema is {found or 'empty'}; run `ringback db upgrade --db {db}` first"
        )
