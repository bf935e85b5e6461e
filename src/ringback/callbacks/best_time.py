"""Best time to call: a delayed callback's due time moved, within the time its customer
allows, to the hour its number is most likely to answer (docs/reports.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks.states import CallbackState
from ringback.callbacks.timing import Plan
from ringback.config.repository import Service
from ringback.scheduling.best_time import AnswerModel, BestTime, best_time

ACTOR = "scheduler"


class AnswerRates(Protocol):
    """Reads the answer history of a service and of a number (reports/answer_rates.py)."""

    async def __call__(
        self,
        session: AsyncSession,
        *,
        service_id: int,
        zone: ZoneInfo,
        phone: str,
        now: datetime,
        min_calls: int,
    ) -> AnswerModel | None: ...


@dataclass(frozen=True)
class Move:
    plan: Plan
    reason: str


def latest_time(service: Service, plan: Plan, now: datetime) -> datetime:
    """The latest due time the customer allows: the service's window after the planned time."""
    return (plan.due_at or now) + timedelta(minutes=service.config.best_time_window_minutes)


async def better_plan(
    session: AsyncSession,
    *,
    service: Service,
    plan: Plan,
    phone: str,
    customer_zone: str | None,
    now: datetime,
    answer_rates: AnswerRates,
) -> Move | None:
    """The plan with its due time moved to a better hour, or None when the service's history
    is too short or no time in the window answers better than the one planned."""
    settings = service.config
    model = await answer_rates(
        session,
        service_id=service.id,
        zone=settings.zone,
        phone=phone,
        now=now,
        min_calls=settings.best_time_min_calls,
    )
    if model is None:
        return None
    choice = best_time(
        planned=plan.due_at or now,
        latest=latest_time(service, plan, now),
        service_hours=settings.hours,
        window=settings.customer_window,
        customer_zone=customer_zone,
        model=model,
    )
    if not choice.moved:
        return None
    # The time chosen is the callback's promise from now on: what the supervisor's late count
    # and the expiry measure from. The time first planned stays in the history's reason.
    moved = Plan(CallbackState.SCHEDULED, choice.at, choice.at, None)
    return Move(moved, reason(choice, model))


def reason(choice: BestTime, model: AnswerModel) -> str:
    """The history's words for a move, e.g. ``best time to call: moved from 09:10 to 18:00
    (Europe/Paris): answer rate 62 % against 21 %, from 143 calls``."""
    before = choice.planned.astimezone(model.zone)
    after = choice.at.astimezone(model.zone)
    shape = "%H:%M" if before.date() == after.date() else "%a %d %b %H:%M"
    calls = f"from {model.service.attempts} calls"
    if model.number.attempts:
        calls += f" ({model.number.attempts} to this number)"
    return (
        f"best time to call: moved from {before.strftime(shape)} to {after.strftime(shape)} "
        f"({model.zone.key}): answer rate {round(choice.rate * 100)} % against "
        f"{round(choice.planned_rate * 100)} %, {calls}"
    )
