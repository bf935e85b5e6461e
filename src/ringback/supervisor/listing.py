"""The supervisor's list of waiting callbacks: its sorts, their keys and its cursors (pure).

A page is read "as of" the time of its first page: the cursor carries that time, so the
effective priorities a later page is ranked by, and the age filter, are those of the first
page, and no callback moves between pages because time went on.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ringback.callbacks.states import CallbackState
from ringback.errors import invalid
from ringback.routing.policy import aged_priority


class WaitingSort(StrEnum):
    WAITING = "waiting"  # longest waiting first, then the scheduled by due time
    RECENT = "recent"  # the reverse: latest due first, then the most recently queued
    PRIORITY = "priority"  # routing's order for the queued, then the offered, then the scheduled


# The waiting list's states, in the order the priority sort groups them.
PRIORITY_GROUPS = (CallbackState.QUEUED, CallbackState.OFFERED, CallbackState.SCHEDULED)


@dataclass(frozen=True)
class Ranked:
    """What a callback is sorted by; read without the rest of its row."""

    id: uuid.UUID
    state: CallbackState
    priority: int
    aging_per_minute: float
    since: datetime  # queued_at in the queue or on a screen; due_at when scheduled


@dataclass(frozen=True)
class Cursor:
    sort: WaitingSort
    as_of: datetime
    key: tuple[object, ...]  # the last row's sort key


SortKey = tuple[object, ...]


def time_key(row: Ranked) -> SortKey:
    """The key of the waiting and recent sorts: the callback's time, then its id."""
    return (row.since, row.id)


def priority_key(row: Ranked, as_of: datetime) -> SortKey:
    """Queued callbacks by effective priority as routing ranks them (highest first, then the
    longest waiting); then the offered and the scheduled by their time."""
    group = PRIORITY_GROUPS.index(row.state)
    score = 0.0
    if row.state is CallbackState.QUEUED:
        score = -aged_priority(row.priority, row.aging_per_minute, row.since, as_of)
    return (group, score, row.since, row.id)


def rank_by_priority(
    rows: list[Ranked], as_of: datetime, after: SortKey | None, limit: int
) -> list[Ranked]:
    """At most ``limit`` rows in the priority sort, from just after ``after``."""
    keyed = sorted(((priority_key(r, as_of), r) for r in rows), key=lambda pair: pair[0])
    if after is not None:
        keyed = [pair for pair in keyed if _after(pair[0], after)]
    return [row for _, row in keyed[:limit]]


def _after(key: SortKey, after: SortKey) -> bool:
    return key > after  # keys of one sort compare member by member


def encode_cursor(cursor: Cursor) -> str:
    key = [_encode_part(part) for part in cursor.key]
    document = {"sort": str(cursor.sort), "as_of": cursor.as_of.isoformat(), "key": key}
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()


def decode_cursor(text: str, sort: WaitingSort) -> Cursor:
    """The cursor a previous page gave, for the same sort; anything else is invalid-cursor."""
    try:
        document = json.loads(base64.urlsafe_b64decode(text.encode()))
        found = WaitingSort(document["sort"])
        as_of = datetime.fromisoformat(document["as_of"])
        if as_of.tzinfo is None:
            raise ValueError("as_of without a UTC offset")
        key = tuple(_decode_part(part) for part in document["key"])
        _check_key(found, key)
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise invalid(
            "invalid-cursor", "the cursor is not one this API returned", field="cursor"
        ) from error
    if found is not sort:
        raise invalid(
            "invalid-cursor",
            f"the cursor continues the {found} sort, not {sort}: pass the same sort",
            field="cursor",
        )
    return Cursor(found, as_of, key)


def _encode_part(part: object) -> object:
    if isinstance(part, datetime):
        return {"t": part.isoformat()}
    if isinstance(part, uuid.UUID):
        return {"id": str(part)}
    return part


def _decode_part(part: object) -> object:
    if isinstance(part, dict) and set(part) == {"t"}:
        moment = datetime.fromisoformat(str(part["t"]))
        if moment.tzinfo is None:
            raise ValueError("a time without a UTC offset")
        return moment
    if isinstance(part, dict) and set(part) == {"id"}:
        return uuid.UUID(str(part["id"]))
    if isinstance(part, bool) or not isinstance(part, int | float):
        raise ValueError(f"unexpected cursor part {part!r}")
    return part


def _check_key(sort: WaitingSort, key: tuple[object, ...]) -> None:
    if sort is WaitingSort.PRIORITY:
        shape: tuple[type | tuple[type, ...], ...] = (int, (int, float), datetime, uuid.UUID)
    else:
        shape = (datetime, uuid.UUID)
    if len(key) != len(shape) or not all(isinstance(p, t) for p, t in zip(key, shape, strict=True)):
        raise ValueError("a cursor key of another shape")
    if sort is WaitingSort.PRIORITY and not 0 <= int(key[0]) < len(PRIORITY_GROUPS):  # type: ignore[call-overload]
        raise ValueError("no such group")
