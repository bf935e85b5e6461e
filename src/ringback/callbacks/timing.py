"""When a new or moved callback becomes due, by its type and its service's rules (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ringback.callbacks.states import CallbackState, CallbackType
from ringback.config.schema import ServiceConfig
from ringback.errors import RingbackError, invalid
from ringback.scheduling.slots import Slot, slot_at


@dataclass(frozen=True)
class Plan:
    state: CallbackState
    desired_time: datetime
    due_at: datetime | None  # None: queued at once
    slot: Slot | None  # the slot to book, for scheduled callbacks


def plan_callback(
    service: ServiceConfig,
    callback_type: CallbackType,
    desired_time: datetime | None,
    now: datetime,
) -> Plan:
    """The state and due time of a callback asked for at ``now``, or a refusal."""
    if callback_type not in service.types:
        offered = ", ".join(service.types)
        raise invalid(
            "callback-type-not-offered",
            f"service {service.name} does not offer {callback_type} callbacks (offers {offered})",
            field="type",
        )
    if callback_type is CallbackType.IMMEDIATE:
        if desired_time is not None:
            raise invalid(
                "unexpected-desired-time",
                "an immediate callback has no desired_time; use type delayed or scheduled",
                field="desired_time",
            )
        return _as_soon_as_open(service, now, now)
    if callback_type is CallbackType.DELAYED and desired_time is None:
        return _as_soon_as_open(service, now + timedelta(minutes=service.delay_minutes), now)
    return plan_at(service, callback_type, desired_time, now)


def plan_at(
    service: ServiceConfig,
    callback_type: CallbackType,
    desired_time: datetime | None,
    now: datetime,
) -> Plan:
    """A plan for an explicit time: it must be ahead, open, and (scheduled) in a free slot."""
    if desired_time is None:
        raise invalid(
            "desired-time-required",
            f"a {callback_type} callback needs a desired_time",
            field="desired_time",
        )
    if desired_time.tzinfo is None:
        raise invalid(
            "desired-time-without-zone",
            "desired_time needs a UTC offset, e.g. 2026-12-01T10:00:00+01:00",
            field="desired_time",
        )
    earliest = now + timedelta(minutes=service.min_lead_minutes)
    if desired_time <= now:
        raise invalid(
            "desired-time-in-past", "desired_time has already passed", field="desired_time"
        )
    if desired_time < earliest:
        raise invalid(
            "desired-time-too-soon",
            f"desired_time must be at least {service.min_lead_minutes} minutes ahead",
            field="desired_time",
            earliest=earliest.isoformat(),
        )
    horizon = now + timedelta(days=service.booking_horizon_days)
    if desired_time > horizon:
        raise invalid(
            "beyond-booking-horizon",
            f"desired_time is more than {service.booking_horizon_days} days ahead",
            field="desired_time",
            latest=horizon.isoformat(),
        )
    slot = None
    if callback_type is CallbackType.SCHEDULED:
        slot = slot_at(service.hours, service.slot_length, desired_time)
    if not service.hours.is_open(desired_time) or (
        callback_type is CallbackType.SCHEDULED and slot is None
    ):
        local = desired_time.astimezone(service.zone)
        raise invalid(
            "outside-office-hours",
            f"service {service.name} is closed at {local.isoformat()} ({service.time_zone})",
            field="desired_time",
        )
    at = desired_time.astimezone(UTC)
    return Plan(CallbackState.SCHEDULED, at, at, slot)


def _as_soon_as_open(service: ServiceConfig, wanted: datetime, now: datetime) -> Plan:
    opening = service.hours.next_open(wanted)
    if opening is None:
        raise RingbackError(
            "service-closed",
            f"service {service.name} has no open hours ahead",
            status=409,
        )
    if opening <= now:
        return Plan(CallbackState.QUEUED, now, None, None)
    return Plan(CallbackState.SCHEDULED, opening, opening, None)
