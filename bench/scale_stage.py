"""Bulk staging for the scale benchmark: a year of callbacks with their history and contacts.

The rows carry the columns ``create_callback`` and the state machine write (a contact per
number with its phone, a ``callback`` contact-history row per request, a ``callback_history``
row per transition, slot bookings for booked slots), but go in with ``COPY`` on PostgreSQL and
``executemany`` in large transactions on SQLite: a million requests through the API would take
hours on this machine.

Each number asks for ``GROUP`` callbacks over the year; the newest of a quarter of the numbers
is still waiting (queued now, or scheduled in the next two weeks), so about 1 % of the rows are
queued, 4 % scheduled and the rest history (completed, cancelled, failed, expired).
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb

from bench.common import Scratch
from ringback.contacts.normalise import fold, split_name
from ringback.db import new_id

GROUP = 5  # callbacks per number
CHUNK = 20_000  # callbacks per transaction
YEAR = timedelta(days=365)
SLOT = timedelta(minutes=15)
TERMINAL = (("completed", 0.65), ("cancelled", 0.23), ("failed", 0.06), ("expired", 0.06))
CALLBACK_COLUMNS = (
    "id",
    "service_id",
    "queue_id",
    "phone",
    "customer_name",
    "customer_time_zone",
    "type",
    "channel",
    "state",
    "desired_time",
    "due_at",
    "slot_start",
    "queued_at",
    "priority",
    "attempts",
    "last_result",
    "contacted_at",
    "contact_id",
    "data",
    "instructions",
    "created_at",
    "updated_at",
    "version",
)
HISTORY_COLUMNS = ("callback_id", "at", "actor", "event", "from_state", "to_state", "reason")
CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "first_key",
    "last_key",
    "name_key",
    "created_at",
    "updated_at",
)
PHONE_COLUMNS = ("contact_id", "number", "label", "position")
CONTACT_HISTORY_COLUMNS = ("contact_id", "at", "kind", "callback_id", "text")
# The transitions a handled callback went through, after its creation: (event, from, to, actor).
CHAINS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "completed": (
        ("offer", "queued", "offered", "routing"),
        ("accept", "offered", "accepted", "agent:alice"),
        ("complete", "accepted", "completed", "agent:alice"),
    ),
    "cancelled": (("cancel", "scheduled", "cancelled", "customer"),),
    "failed": (
        ("offer", "queued", "offered", "routing"),
        ("accept", "offered", "accepted", "agent:bob"),
        ("fail", "accepted", "failed", "agent:bob"),
    ),
    "expired": (("expire", "queued", "expired", "scheduler"),),
    "queued": (),
    "scheduled": (),
}


@dataclass
class Sample:
    """Ids and numbers the measurement picks from (kept small whatever the size)."""

    handled: list[uuid.UUID] = field(default_factory=list)
    queued: list[uuid.UUID] = field(default_factory=list)
    scheduled: list[uuid.UUID] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    contacts: list[uuid.UUID] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    history_rows: int = 0

    def keep(self, bucket: list[Any], value: Any, rng: random.Random, limit: int = 2_000) -> None:
        """Reservoir-ish: the first ``limit``, then a random replacement now and then."""
        if len(bucket) < limit:
            bucket.append(value)
        elif rng.random() < 0.01:
            bucket[rng.randrange(limit)] = value


class Writer(Protocol):
    def rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None: ...

    def book(self, service_id: int, booked: Counter[datetime]) -> None: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class SqliteWriter:
    """``executemany`` with the values as SQLAlchemy stores them on SQLite."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144"):
            self._connection.execute(f"PRAGMA {pragma}")
        self._connection.execute("BEGIN")

    @staticmethod
    def _value(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value.hex
        if isinstance(value, datetime):
            return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        self._connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            ([self._value(v) for v in row] for row in rows),
        )

    def book(self, service_id: int, booked: Counter[datetime]) -> None:
        self._connection.executemany(
            "INSERT INTO slot_bookings (service_id, slot_start, booked) VALUES (?, ?, ?) "
            "ON CONFLICT (service_id, slot_start) DO UPDATE SET booked = booked + excluded.booked",
            [(service_id, self._value(start), n) for start, n in booked.items()],
        )

    def commit(self) -> None:
        self._connection.execute("COMMIT")
        self._connection.execute("BEGIN")

    def close(self) -> None:
        self._connection.execute("COMMIT")
        # A server starting on a large WAL would pay for the checkpoint inside the measurement.
        self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._connection.close()


class PostgresWriter:
    """``COPY … FROM STDIN``, one transaction per chunk; statistics refreshed at the end."""

    def __init__(self, url: str) -> None:
        self._connection = psycopg.connect(url)

    def rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self._connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[arg-type]
            for row in rows:
                copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row])

    def book(self, service_id: int, booked: Counter[datetime]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO slot_bookings (service_id, slot_start, booked) VALUES (%s, %s, %s) "
                "ON CONFLICT (service_id, slot_start) "
                "DO UPDATE SET booked = slot_bookings.booked + excluded.booked",
                [(service_id, start, n) for start, n in booked.items()],
            )

    def commit(self) -> None:
        self._connection.commit()

    def close(self) -> None:
        self._connection.commit()
        # What autovacuum would do within a minute of such a load; plans depend on it.
        self._connection.autocommit = True
        self._connection.execute("VACUUM ANALYZE")
        self._connection.close()


def writer_for(scratch: Scratch) -> Writer:
    if scratch.kind == "sqlite":
        return SqliteWriter(scratch.raw_url)
    return PostgresWriter(scratch.raw_url)


@dataclass(frozen=True)
class Service:
    id: int
    queue_id: int


def _terminal(rng: random.Random) -> str:
    pick = rng.random()
    for state, share in TERMINAL:
        if pick < share:
            return state
        pick -= share
    return TERMINAL[0][0]


def _callbacks(
    service: Service, first_number: int, numbers: int, now: datetime, rng: random.Random
) -> Iterator[tuple[dict[str, Any], uuid.UUID, str]]:
    """Each number's callbacks, oldest first: (callback row, contact id, phone)."""
    for number in range(first_number, first_number + numbers):
        phone = f"+1212{4_000_000 + number:07d}"
        contact_id = new_id()
        created = sorted(now - rng.random() * YEAR for _ in range(GROUP))
        # Each batch has at least one queued and one scheduled callback, however small.
        waiting = {first_number: 0.0, first_number + 1: 0.1}.get(number, rng.random())
        for position, created_at in enumerate(created):
            last = position == GROUP - 1
            state = _terminal(rng)
            if last and waiting < 0.05:
                state = "queued"
            elif last and waiting < 0.25:
                state = "scheduled"
            yield _callback(service, phone, number, state, created_at, now, rng), contact_id, phone


def _callback(
    service: Service,
    phone: str,
    number: int,
    state: str,
    created_at: datetime,
    now: datetime,
    rng: random.Random,
) -> dict[str, Any]:
    kind, due_at, slot_start, queued_at = "immediate", None, None, created_at
    if state == "queued":
        created_at = now - timedelta(minutes=rng.uniform(1, 60))
        queued_at = created_at
    elif state == "scheduled":
        created_at = now - timedelta(hours=rng.uniform(0, 24))
        due = now + timedelta(hours=rng.uniform(1, 13 * 24))
        queued_at = None
        if rng.random() < 0.5:
            kind, due_at = "delayed", due
        else:
            minutes = due.minute - due.minute % 15
            kind = "scheduled"
            due_at = slot_start = due.replace(minute=minutes, second=0, microsecond=0)
    elif state == "cancelled":
        kind, queued_at = "delayed", None
    handled = state in ("completed", "failed")
    return {
        "id": new_id(),
        "service_id": service.id,
        "queue_id": service.queue_id,
        "phone": phone,
        "customer_name": f"Customer {number}",
        "customer_time_zone": "America/New_York",
        "type": kind,
        "channel": "web" if number % 3 else "ivr",
        "state": state,
        "desired_time": due_at or created_at,
        "due_at": due_at,
        "slot_start": slot_start,
        "queued_at": queued_at,
        "priority": 70 if number % 10 == 0 else 50,
        "attempts": (3 if state == "failed" else 1) if handled else 0,
        "last_result": {"completed": "answered", "failed": "no_answer"}.get(state),
        "contacted_at": created_at + timedelta(minutes=5) if state == "completed" else None,
        "data": {"topic": "billing", "order": f"A{number:09d}"},
        "instructions": "Call about the last invoice." if number % 4 == 0 else None,
        "created_at": created_at,
        "updated_at": created_at + timedelta(minutes=10) if handled else created_at,
        "version": 1 + len(CHAINS[state]),
    }


def _history(row: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    state = row["state"]
    first = "scheduled" if row["type"] != "immediate" and state != "queued" else "queued"
    if CHAINS[state]:
        first = CHAINS[state][0][1]
    at = row["created_at"]
    yield (row["id"], at, "api-key:bench", "create", None, first, f"requested via {row['channel']}")
    for step, (event, before, after, actor) in enumerate(CHAINS[state], start=1):
        yield (row["id"], at + timedelta(minutes=2 * step), actor, event, before, after, None)


def stage(
    scratch: Scratch, service: Service, *, first_number: int, numbers: int, sample: Sample
) -> None:
    """Stage ``numbers`` numbers' callbacks (``GROUP`` each) with their history and contacts."""
    rng = random.Random(first_number)
    now = datetime.now(UTC)
    writer = writer_for(scratch)
    try:
        stream = _callbacks(service, first_number, numbers, now, rng)
        per_chunk = CHUNK // GROUP * GROUP
        while True:
            batch = [item for _, item in zip(range(per_chunk), stream, strict=False)]
            if not batch:
                break
            _write_chunk(writer, service, batch, sample, rng)
            writer.commit()
    finally:
        writer.close()


def _names(name: str) -> tuple[str, str, str, str, str]:
    """first, last and their search keys, as ``contact_for_phone`` sets them."""
    first, last = split_name(name)
    return first, last, fold(first), fold(last), fold(f"{first} {last}")


def _write_chunk(
    writer: Writer,
    service: Service,
    batch: list[tuple[dict[str, Any], uuid.UUID, str]],
    sample: Sample,
    rng: random.Random,
) -> None:
    contacts: dict[uuid.UUID, tuple[str, str, datetime]] = {}
    for row, contact_id, phone in batch:
        contacts.setdefault(contact_id, (phone, row["customer_name"], row["created_at"]))
    writer.rows(
        "contacts",
        CONTACT_COLUMNS,
        ((cid, *_names(name), at, at) for cid, (_, name, at) in contacts.items()),
    )
    writer.rows(
        "contact_phones",
        PHONE_COLUMNS,
        ((cid, phone, "", 0) for cid, (phone, _, _) in contacts.items()),
    )
    rows = [row | {"contact_id": contact_id} for row, contact_id, _ in batch]
    writer.rows("callbacks", CALLBACK_COLUMNS, ([r[c] for c in CALLBACK_COLUMNS] for r in rows))
    history = [entry for row in rows for entry in _history(row)]
    writer.rows("callback_history", HISTORY_COLUMNS, history)
    writer.rows(
        "contact_history",
        CONTACT_HISTORY_COLUMNS,
        (
            (
                r["contact_id"],
                r["created_at"],
                "callback",
                r["id"],
                f"{r['type']} callback requested via {r['channel']} on bench",
            )
            for r in rows
        ),
    )
    booked: Counter[datetime] = Counter(r["slot_start"] for r in rows if r["slot_start"])
    if booked:
        writer.book(service.id, booked)
    sample.history_rows += len(history)
    for row in rows:
        sample.counts[row["state"]] += 1
        bucket = {"queued": sample.queued, "scheduled": sample.scheduled}.get(
            row["state"], sample.handled
        )
        sample.keep(bucket, row["id"], rng)
        sample.keep(sample.phones, row["phone"], rng)
        sample.keep(sample.contacts, row["contact_id"], rng)
