"""Bookable slots: fixed-length spans laid from the start of each open interval."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from ringback.scheduling.hours import Interval, OfficeHours


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime
    end: datetime


def slots_in(interval: Interval, length: timedelta) -> Iterator[Slot]:
    """Whole slots of ``length`` inside ``interval``; a remainder shorter than a slot is dropped."""
    start = interval.start
    while start + length <= interval.end:
        yield Slot(start, start + length)
        start += length


def slots_between(
    hours: OfficeHours, length: timedelta, start: datetime, end: datetime
) -> list[Slot]:
    """Slots starting in ``[start, end)``, in order; a slot never moves with the window."""
    found = [
        slot
        for interval in hours.intervals(start, end)
        for slot in slots_in(interval, length)
        if start <= slot.start < end
    ]
    return sorted(found)


def slot_at(hours: OfficeHours, length: timedelta, at: datetime) -> Slot | None:
    """The slot that contains the instant ``at``, if any."""
    day = at.astimezone(hours.zone).date()
    for interval in hours.intervals_on(day):
        if at in interval:
            index = (at - interval.start) // length
            slot_start = interval.start + index * length
            if slot_start + length <= interval.end:
                return Slot(slot_start, slot_start + length)
    return None
