"""The queues' last hours in buckets of time, from the callbacks' stored history (pure).

Each bucket counts what happened in it: offers made, calls the customer answered, callbacks
that ended without reaching the customer (failed or expired). ``waiting`` is a level, not a
count: the callbacks in the queue at the end of the bucket, found by walking back from the
number queued now through every entry into and exit from the queue since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.supervisor.repository import TransitionCount

ENDED_UNREACHED = frozenset({CallbackState.FAILED, CallbackState.EXPIRED})


@dataclass(frozen=True)
class Window:
    """``count`` buckets of ``bucket`` each, aligned on whole buckets since 1970; the last one
    holds ``now`` and ends there."""

    start: datetime
    bucket: timedelta
    count: int
    end: datetime

    @property
    def starts(self) -> list[datetime]:
        return [self.start + i * self.bucket for i in range(self.count)]


def window(now: datetime, *, hours: int, bucket_minutes: int) -> Window:
    """The buckets covering the last ``hours`` up to ``now``."""
    step = bucket_minutes * 60
    epoch = int(now.timestamp())
    current = epoch - epoch % step
    count = max(1, (hours * 3600) // step)
    start = datetime.fromtimestamp(current - (count - 1) * step, tz=UTC)
    return Window(start, timedelta(seconds=step), count, now)


@dataclass
class Series:
    waiting: list[int]
    offered: list[int]
    answered: list[int]
    failed: list[int]
    # Net entries into the queue per bucket, to walk the waiting level back from now.
    entered: list[int] = field(repr=False)


def _queue_change(row: TransitionCount) -> int:
    into = row.to_state is CallbackState.QUEUED and row.from_state is not CallbackState.QUEUED
    out_of = row.from_state is CallbackState.QUEUED and row.to_state is not CallbackState.QUEUED
    return row.count if into else -row.count if out_of else 0


def series(
    window: Window,
    transitions: Iterable[TransitionCount],
    queued_now: Mapping[int, int],
    service_ids: Iterable[int],
) -> dict[int, Series]:
    """Each service's four series over the window."""
    n = window.count
    out = {sid: Series([0] * n, [0] * n, [0] * n, [0] * n, [0] * n) for sid in service_ids}
    for row in transitions:
        found = out.get(row.service_id)
        if found is None or not 0 <= row.bucket < n:
            continue
        if row.event is CallbackEvent.OFFER:
            found.offered[row.bucket] += row.count
        if row.event is CallbackEvent.CONNECT:
            found.answered[row.bucket] += row.count
        if row.to_state in ENDED_UNREACHED and row.from_state not in ENDED_UNREACHED:
            found.failed[row.bucket] += row.count
        found.entered[row.bucket] += _queue_change(row)
    for service_id, found in out.items():
        level = queued_now.get(service_id, 0)
        for i in range(n - 1, -1, -1):
            found.waiting[i] = max(0, level)
            level -= found.entered[i]
    return out
