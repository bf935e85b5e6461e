"""A handful of callbacks of every type, so the demo has something to show."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks import service
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import ACTIVE_STATES, CallbackType
from ringback.config import repository as config_repository
from ringback.errors import RingbackError
from ringback.scheduling.slots import slots_between

DEMO_KEY_NAME = "demo"
DEMO_PASSWORD = "ringback-demo"  # noqa: S105 - printed at start-up; demo databases only
DEMO_CALLER = service.Caller(actor="demo")

CUSTOMERS = [
    ("cards", "+1 212 555 0142", "Dana Whitfield", {"card_last4": "4417", "reason": "card stolen"}),
    (
        "cards",
        "(646) 555-0177",
        "Marcus Oyelaran",
        {"card_last4": "0093", "reason": "blocked abroad"},
    ),
    ("cards", "+1 312 555 0100", "Priya Raman", {"card_last4": "7781", "reason": "PIN locked"}),
    (
        "mortgage-advice",
        "+1 312 555 0123",
        "Tomás Herrera",
        {"property_value": "420000", "loan_amount": "300000"},
    ),
    (
        "mortgage-advice",
        "+1 773 555 0188",
        "Ingrid Solberg",
        {"property_value": "610000", "loan_amount": "450000"},
    ),
    ("support-fr", "01 23 45 67 89", "Camille Martin", {"contract": "FR-2291"}),
    ("support-fr", "06 12 34 56 78", "Yanis Benali", {"contract": "FR-8830"}),
]


async def seed_callbacks(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo callbacks that are not active yet; returns how many were made."""
    active = await session.scalar(
        select(func.count()).select_from(Callback).where(Callback.state.in_(ACTIVE_STATES))
    )
    if active:
        return 0
    created = 0
    for index, (name, phone, customer, data) in enumerate(CUSTOMERS):
        found = await config_repository.service_by_name(session, name)
        if found is None:
            continue
        settings = found.config
        kind = settings.types[index % len(settings.types)]
        desired = None
        if kind is CallbackType.SCHEDULED:
            earliest = now + timedelta(minutes=settings.min_lead_minutes)
            slots = slots_between(
                settings.hours, settings.slot_length, earliest, earliest + timedelta(days=7)
            )
            if not slots:
                continue
            desired = slots[min(index, len(slots) - 1)].start
        request = CallbackCreate(
            service=name,
            phone=phone,
            type=kind,
            desired_time=desired,
            name=customer,
            data=data,
            instructions="Verify identity with date of birth before discussing the account.",
            channel=("web", "mobile", "ivr")[index % 3],
        )
        try:
            await service.create_callback(session, request=request, caller=DEMO_CALLER, now=now)
        except RingbackError:
            continue  # e.g. a delayed request while the service is closed for the holidays
        created += 1
    return created
