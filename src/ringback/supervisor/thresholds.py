"""How a queue stands against its service's thresholds (pure: time is a parameter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ringback.config.schema import ThresholdsConfig


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACH = "breach"


class Measure(StrEnum):
    OLDEST_WAIT = "oldest_wait"  # seconds the oldest queued callback has waited
    LATE = "late"  # callbacks still waiting past their promised time


@dataclass(frozen=True)
class Crossing:
    """One limit a queue is over: its measure, how far it went, and the limit it passed."""

    measure: Measure
    level: Level
    value: int
    threshold: int


def late_cutoff(thresholds: ThresholdsConfig, now: datetime) -> datetime:
    """A callback not yet tried whose desired time is before this is late."""
    return now - timedelta(seconds=thresholds.late_after_seconds)


def _crossing(measure: Measure, value: int, warning: int, breach: int) -> Crossing | None:
    # A limit of 0 is off; a value at the limit has reached it.
    if breach and value >= breach:
        return Crossing(measure, Level.BREACH, value, breach)
    if warning and value >= warning:
        return Crossing(measure, Level.WARNING, value, warning)
    return None


def assess(
    thresholds: ThresholdsConfig, *, oldest_wait_seconds: int | None, late: int
) -> tuple[Level, list[Crossing]]:
    """The queue's level (the worst of its crossings) and every limit it is over."""
    found = [
        _crossing(
            Measure.OLDEST_WAIT,
            oldest_wait_seconds or 0,
            thresholds.oldest_wait_warning_seconds,
            thresholds.oldest_wait_breach_seconds,
        ),
        _crossing(Measure.LATE, late, thresholds.late_warning, thresholds.late_breach),
    ]
    crossings = [c for c in found if c is not None]
    if any(c.level is Level.BREACH for c in crossings):
        return Level.BREACH, crossings
    return (Level.WARNING if crossings else Level.OK), crossings
