"""May a customer be called now? Office hours and the customer's own calling window (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ringback.scheduling.hours import OfficeHours, OpenPeriod


def customer_hours(window: OpenPeriod, zone: ZoneInfo) -> OfficeHours:
    """The customer's calling window, every day, as office hours in the customer's zone."""
    return OfficeHours(zone, tuple((window,) for _ in range(7)))


def may_call(
    *, service_hours: OfficeHours, window: OpenPeriod, customer_zone: str | None, at: datetime
) -> bool:
    """Inside the service's office hours and, when the customer's zone is known, their window."""
    if not service_hours.is_open(at):
        return False
    if customer_zone is None:
        return True
    return customer_hours(window, ZoneInfo(customer_zone)).is_open(at)


def next_call_time(
    *,
    service_hours: OfficeHours,
    window: OpenPeriod,
    customer_zone: str | None,
    at: datetime,
    horizon: timedelta = timedelta(days=60),
) -> datetime | None:
    """The first instant at or after ``at`` when ``may_call`` holds, within ``horizon``."""
    customer = customer_hours(window, ZoneInfo(customer_zone)) if customer_zone else None
    candidate = at
    end = at + horizon
    while candidate < end:
        opening = service_hours.next_open(candidate)
        if opening is None or opening >= end:
            return None
        if customer is None or customer.is_open(opening):
            return opening
        customer_opening = customer.next_open(opening)
        if customer_opening is None or customer_opening >= end:
            return None
        if service_hours.is_open(customer_opening):
            return customer_opening
        candidate = customer_opening
    return None
