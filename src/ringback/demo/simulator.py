"""The demo's customers: a steady trickle of callback requests of every type and behaviour."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import structlog

from ringback.callbacks import service
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackType
from ringback.clock import Clock
from ringback.config import repository as config_repository
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.logs import FailureStreak
from ringback.scheduling.slots import slots_between

log = structlog.get_logger(__name__)
CUSTOMER = service.Caller(actor="demo-customer")
NAMES = [
    "Ana Souza",
    "Ben Carter",
    "Chen Wei",
    "Dara Okafor",
    "Elif Yilmaz",
    "Femi Adeyemi",
    "Greta Lind",
    "Hiro Tanaka",
    "Ines Duarte",
    "Jonas Berg",
    "Kavya Rao",
    "Liam Byrne",
]
TOPICS = [
    "card blocked abroad",
    "lost card",
    "unknown payment",
    "raise my limit",
    "PIN locked",
    "mortgage offer",
    "change of address",
]


def demo_phone(rng: random.Random, region: str) -> str:
    """A fictional number whose last digits pick the simulated customer's behaviour."""
    # Most demo customers answer; the rest are busy, machines, never answer, hang up or fail.
    suffix = rng.randrange(0, 150) if rng.random() < 0.7 else rng.randrange(150, 200)
    if region == "FR":
        return f"+33 1 23 45 {suffix // 100:02d} {suffix % 100:02d}"
    return f"+1 212 555 {suffix:04d}"


async def simulate_customers(
    db: Database, clock: Clock, *, every_seconds: float = 25.0, seed: int | None = None
) -> None:
    """Create a callback now and then, on a random service, as a customer would."""
    rng = random.Random(seed)  # noqa: S311 - simulated customers, not secrets
    streak = FailureStreak(log, "demo customer")
    while True:
        await asyncio.sleep(rng.uniform(every_seconds / 2, every_seconds * 1.5))
        try:
            await _one_request(db, clock, rng)
        except RingbackError as refused:
            log.info("demo customer refused", code=refused.code, detail=refused.detail)
        except Exception as exc:
            streak.failed(exc)
            continue
        streak.succeeded()


async def _one_request(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    async with db.transaction() as session:
        services = await config_repository.active_services(session)
        chosen = rng.choice(services)
        settings = chosen.config
        kind = rng.choice(settings.types)
        desired = None
        if kind is CallbackType.SCHEDULED:
            earliest = now + timedelta(minutes=settings.min_lead_minutes)
            slots = slots_between(
                settings.hours, settings.slot_length, earliest, earliest + timedelta(days=2)
            )
            if not slots:
                return
            desired = rng.choice(slots[:8]).start
        elif kind is CallbackType.DELAYED and rng.random() < 0.5:
            desired = settings.hours.next_open(now + timedelta(minutes=rng.randrange(2, 10)))
            if desired is None or desired < now + timedelta(minutes=settings.min_lead_minutes):
                desired = None
        request = CallbackCreate(
            service=chosen.name,
            phone=demo_phone(rng, settings.default_region),
            type=kind,
            desired_time=desired,
            name=rng.choice(NAMES),
            data={"topic": rng.choice(TOPICS), "availability": "any time today"},
            instructions=rng.choice(
                [None, "Prefers a call on the mobile", "Ask for the case number"]
            ),
            channel=rng.choice(["web", "mobile", "ivr"]),
        )
        made = await service.create_callback(session, request=request, caller=CUSTOMER, now=now)
    log.info(
        "demo customer asked for a callback",
        service=chosen.name,
        type=str(kind),
        callback=str(made.callback.id),
    )
