"""Database plumbing: metadata, column types, engines, and the unit of work.

SQLite is the embedded default and PostgreSQL the production store; both run the same code.
On SQLite every transaction starts with ``BEGIN IMMEDIATE`` so that writers queue on the
database lock instead of failing on a read-to-write upgrade; on PostgreSQL row locks and
advisory locks do the same work with real concurrency.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Enum,
    MetaData,
    Table,
    TypeDecorator,
    event,
    insert,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

# Rows that must show in the order of their ids (``add_in_commit_order``): their list in
# ``session.info``, and the name of the lock their transactions take in turn.
COMMIT_ORDERED = "commit-ordered-rows"
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored in UTC: naive on SQLite, timestamptz on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSONDocument,
        list[str]: JSONDocument,
    }


def enum_column(kind: type[Any]) -> Enum:
    """A StrEnum stored as its values in a short string column (no database enum type)."""
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def new_id() -> uuid.UUID:
    """A time-ordered UUID (version 7 layout), so new rows land at the end of the index."""
    millis = time.time_ns() // 1_000_000
    raw = millis.to_bytes(6, "big") + os.urandom(10)
    value = int.from_bytes(raw, "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def async_url(url: str) -> str:
    """The SQLAlchemy URL for the async engine (aiosqlite or psycopg)."""
    parsed = make_url(_normalise(url))
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The SQLAlchemy URL for migrations and tools (pysqlite or psycopg)."""
    parsed = make_url(_normalise(url))
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _normalise(url: str) -> str:
    if url.startswith("postgres://"):
        return "postgresql://" + url.removeprefix("postgres://")
    return url


def sqlite_path(url: str) -> str | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory databases."""
    parsed = make_url(_normalise(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def configure_sqlite(dbapi_engine: Any) -> None:
    """Pragmas and explicit transactions for a (sync or async) SQLite engine."""

    @event.listens_for(dbapi_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(dbapi_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """The async engine for a database URL, with the pragmas SQLite needs.

    Its errors never show bound parameters: they hold token hashes and contacts' details, and
    an error's text ends up in the log.
    """
    target = async_url(url)
    if target.startswith("sqlite"):
        path = sqlite_path(url)
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # One connection per node: SQLite runs one writer at a time anyway, and transactions
        # that queue for the pool's connection wait their turn in order, where several
        # connections would wait in SQLite's busy handler, which sleeps and retries.
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60} if path else {}
        engine = create_async_engine(target, hide_parameters=True, **pool)
        configure_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(
        target,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
    )


@dataclass(frozen=True)
class CommitNotice:
    """What a successful commit recorded: outbox events, and whether it wrote agent events."""

    outbox_events: list[Any]
    agent_events: bool


CommitListener = Callable[[CommitNotice], Awaitable[None]]


class Database:
    """Owns the engine; hands out units of work; tells listeners what each commit recorded."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        import ringback.models  # noqa: F401  every table, so that foreign keys resolve

        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._listeners: list[CommitListener] = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_commit(self, listener: CommitListener) -> None:
        """Call ``listener`` after every successful commit that recorded events."""
        self._listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits once at the end, rolls back on any error."""
        async with self._sessions() as session:
            async with session.begin():
                yield session
                await _insert_in_commit_order(session)
            notice = CommitNotice(
                session.info.pop("outbox_events", []), session.info.pop("agent_events", False)
            )
        if notice.outbox_events or notice.agent_events:
            for listener in self._listeners:
                await listener(notice)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def add_in_commit_order(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    """Add a row of ``table``, whose id comes from a sequence, so that such rows show in id order.

    On PostgreSQL an id is taken at insert and the row shows at commit: two transactions can
    commit in the other order, and a reader that saw the newer row first would resume after
    it and never read the older one. Such rows are inserted when the transaction commits, each
    transaction holding one lock from their insert until its commit: the next id is taken only
    once the previous rows are visible. SQLite runs one writer at a time already. The rows are
    plain column values (nothing reads them back as objects): consecutive rows of one table go
    in one statement, in the order they were added.
    """
    session.info.setdefault(COMMIT_ORDERED, []).append((table, values))


async def _insert_in_commit_order(session: AsyncSession) -> None:
    rows: list[tuple[Table, dict[str, Any]]] | None = session.info.pop(COMMIT_ORDERED, None)
    if not rows:
        return
    # Whatever may wait for another transaction comes before the lock: a holder that waited
    # for a transaction queued behind it would deadlock. So the transaction's other writes
    # first, and the key-share locks the inserts' foreign key checks take.
    await session.flush()
    groups = [list(group) for _, group in groupby(rows, key=lambda row: row[0].name)]
    if session.get_bind().dialect.name != "postgresql":
        for group in groups:
            await session.execute(insert(group[0][0]), [values for _, values in group])
        return
    # The key-share locks, the lock and the first table's rows in one statement, the rows in
    # one JSON parameter: one round trip, whatever the number of rows.
    referenced = _referenced(rows)
    for number, group in enumerate(groups):
        table = group[0][0]
        statement = _commit_ordered_statement(
            table,
            tuple(group[0][1]),
            lock=number == 0,
            referenced=tuple(referenced) if number == 0 else (),
            dialect=session.get_bind().dialect,
        )
        parameters: dict[str, Any] = {
            "key": COMMIT_ORDERED,
            "rows": json_rows([values for _, values in group]),
        }
        if number == 0:
            parameters |= {f"ref_{i}": sorted(found) for i, found in enumerate(referenced.values())}
        await session.execute(statement, parameters)
    session.info.setdefault("advisory_locks", set()).add(COMMIT_ORDERED)


def _referenced(rows: list[tuple[Table, dict[str, Any]]]) -> dict[Column[Any], set[Any]]:
    """The rows the inserts' foreign keys point at: referenced column -> values."""
    referenced: dict[Column[Any], set[Any]] = {}
    for table, values in rows:
        for key in table.foreign_keys:
            value = values.get(key.parent.name)
            if value is not None:
                referenced.setdefault(key.column, set()).add(value)
    return referenced


_COMMIT_ORDERED_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _commit_ordered_statement(
    table: Table,
    columns: tuple[str, ...],
    *,
    lock: bool,
    referenced: tuple[Column[Any], ...],
    dialect: Dialect,
) -> Any:
    shape = (table.name, columns, lock, tuple((c.table.name, c.name) for c in referenced))
    found = _COMMIT_ORDERED_STATEMENTS.get(shape)
    if found is None:
        found = _COMMIT_ORDERED_STATEMENTS[shape] = text(
            _commit_ordered_sql(table, columns, lock=lock, referenced=referenced, dialect=dialect)
        )
    return found


def _commit_ordered_sql(
    table: Table,
    columns: tuple[str, ...],
    *,
    lock: bool,
    referenced: tuple[Column[Any], ...],
    dialect: Dialect,
) -> str:
    # Table, column and type names come from the models' metadata; values are parameters.
    insert_rows = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(f'r.{c}' for c in columns)} FROM {'held, ' if lock else ''}"
        f"jsonb_populate_recordset(NULL::{table.name}, CAST(:rows AS jsonb)) "
        "WITH ORDINALITY AS r ORDER BY r.ordinality"
    )
    if not lock:
        return insert_rows
    # The lock's argument counts the rows locked for the foreign keys (times zero), so those
    # locks come first; each row's id (nextval) is taken for a row of the join with the lock,
    # so after it, and in the order of the array (volatile expressions follow the ORDER BY).
    key = "hashtextextended(:key, 0)"
    if referenced:
        counts = " + ".join(
            f"(SELECT count(*) FROM (SELECT 1 FROM {c.table.name} WHERE {c.name} = "  # noqa: S608
            f"ANY(CAST(:ref_{i} AS {c.type.compile(dialect=dialect)}[])) FOR KEY SHARE) AS l{i})"
            for i, c in enumerate(referenced)
        )
        key = f"{key} + 0 * ({counts})"
    return f"WITH held AS (SELECT pg_advisory_xact_lock({key})) {insert_rows}"


def json_rows(values: list[dict[str, Any]]) -> str:
    """Rows of column values as a JSON array, for ``jsonb_populate_recordset`` on PostgreSQL
    (which gives each value its column's type): times in ISO 8601 with their offset."""
    return json.dumps(values, default=_json_value, separators=(",", ":"))


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


def upsert(session: AsyncSession) -> Any:
    """The dialect's ``insert`` construct, which offers ``on_conflict_do_*``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def lock_key(session: AsyncSession, key: str) -> None:
    """Serialise transactions that touch the same logical key (a phone number, an idempotency key).

    PostgreSQL takes a transaction-scoped advisory lock, once per transaction and key; SQLite
    already runs one writer at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    held: set[str] = session.info.setdefault("advisory_locks", set())
    if key in held:
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
    )
    held.add(key)
