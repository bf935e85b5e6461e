"""What every command shares: the database option, async running, one-line errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.db import Database
from ringback.errors import RingbackError
from ringback.settings import DEFAULT_DATABASE_URL

T = TypeVar("T")

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="RINGBACK_DATABASE_URL",
        help="Database URL: sqlite:///path/file.db or postgresql://user@host/name.",
    ),
]
DEFAULT_DB = DEFAULT_DATABASE_URL


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Run async work; a refusal or an unreachable database is one line and exit status 1."""
    try:
        return asyncio.run(_run(work))
    except RingbackError as exc:
        raise fail(exc.detail) from None
    except OperationalError as exc:
        raise fail(
            f"database unavailable or not upgraded ({exc.orig}); try `ringback db upgrade`"
        ) from None


async def _run(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


@asynccontextmanager
async def unit_of_work(url: str) -> AsyncIterator[AsyncSession]:
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            yield session
    finally:
        await database.dispose()
