"""A Paris sales line whose customers answer some hours better than others: its stored dial
history, and delayed callbacks run through intake and the scheduler with and without the best
time to call (docs/reports.md)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from tests.reports.conftest import S, Story, agent_ids, service_ids

from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback, CallbackHistory
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent
from ringback.clock import ManualClock
from ringback.config.loader import parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.interactions.models import InteractionHistory
from ringback.reports.answer_rates import RecentAnswerRates

PARIS = ZoneInfo("Europe/Paris")
CALLER = callbacks.Caller(actor="test")
# The chance that a customer answers, by local hour in Paris: lunch and the evening are best.
ANSWERS = {9: 0.25, 10: 0.25, 11: 0.3, 12: 0.5, 13: 0.5, 14: 0.2, 15: 0.2, 16: 0.25}
ANSWERS |= {17: 0.55, 18: 0.65, 19: 0.6}
# Monday 8 June 2026: the week the callbacks are asked for; the history is the four before.
TRIAL_WEEK = datetime(2026, 6, 8, tzinfo=PARIS)


def service_toml(name: str, *, best_time: bool, min_calls: int = 50) -> str:
    days = "\n".join(
        f'{day} = ["09:00-20:00"]' for day in ("monday", "tuesday", "wednesday", "thursday")
    )
    return f"""
[[services]]
name = "{name}"
queue = "sales"
time_zone = "Europe/Paris"
default_region = "FR"
types = ["immediate", "delayed"]
delay_minutes = 10
min_lead_minutes = 0
calling_window = "08:00-21:00"
best_time_to_call = {str(best_time).lower()}
best_time_window_minutes = 480
best_time_min_calls = {min_calls}
[services.office_hours]
{days}
friday = ["09:00-20:00"]
"""


CONFIG = f"""
[[queues]]
name = "sales"
{service_toml("plain", best_time=False)}
{service_toml("best", best_time=True)}
{service_toml("wary", best_time=True, min_calls=100_000)}
[[agents]]
login = "ada"
name = "Ada Lovelace"
place = "1001"
[[agents]]
login = "bob"
name = "Bob Marley"
place = "1002"
[[agents]]
login = "sue"
name = "Sue Pervisor"
place = "1009"
roles = ["agent", "supervisor"]
"""


async def configure(db: Database, now: datetime) -> None:
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(CONFIG, source="best.toml"), now=now)


async def store_dials(
    db: Database, service: str, dials: list[tuple[datetime, bool]], phone: str | None = None
) -> None:
    """Dials of the service's past callbacks (of ``phone`` when given), answered or not."""
    async with db.transaction() as session:
        service_id, queue_id = (await service_ids(session))[service]
        ada = (await agent_ids(session))["ada"]
    story = Story()
    first = min(at for at, _ in dials)
    callback = story.callback(service_id, queue_id, created_at=first, state=S.COMPLETED)
    if phone is not None:
        callback.phone = phone
    interaction = story.interaction(
        callback, ada, offered_at=first, accepted_at=first, ended_at=first
    )
    await story.write(db)
    async with db.transaction() as session:
        session.add_all(
            InteractionHistory(
                interaction_id=interaction.id,
                at=at,
                actor="ada",
                kind="dial_result",
                detail={"result": "answered" if answered else "no_answer"},
            )
            for at, answered in dials
        )


def simulated_history(seed: int, weeks: int = 4, per_hour: int = 3) -> list[tuple[datetime, bool]]:
    """``per_hour`` dials in each open hour of the ``weeks`` before the trial week."""
    rng = random.Random(seed)
    dials = []
    for week in range(1, weeks + 1):
        for day in range(5):
            date = TRIAL_WEEK - timedelta(weeks=week) + timedelta(days=day)
            for hour, chance in ANSWERS.items():
                for n in range(per_hour):
                    at = date.replace(hour=hour, minute=10 + 15 * n)
                    dials.append((at.astimezone(UTC), rng.random() < chance))
    return dials


@dataclass(frozen=True)
class Trial:
    calls: int
    answered: int
    moved: int
    reasons: list[str]

    @property
    def answer_rate(self) -> float:
        return self.answered / self.calls


async def run_trial(
    db: Database, clock: ManualClock, service: str, *, seed: int, callbacks_asked: int
) -> Trial:
    """Customers ask for a delayed callback at random times between 09:00 and 17:00 of the
    trial week; the scheduler queues each when due, an agent dials it at once, and the
    customer answers with the chance of that local hour (seeded)."""
    rng = random.Random(seed)
    asked = sorted(
        TRIAL_WEEK + timedelta(days=rng.randrange(5), minutes=9 * 60 + rng.randrange(8 * 60))
        for _ in range(callbacks_asked)
    )
    rates = RecentAnswerRates(monotonic=lambda: 0.0)
    due_times = set()
    for index, at in enumerate(asked):
        clock.set(at.astimezone(UTC))
        request = CallbackCreate(service=service, phone=f"+3361{index:07d}", type="delayed")
        async with db.transaction() as session:
            created = await callbacks.create_callback(
                session, request=request, caller=CALLER, now=clock.now(), answer_rates=rates
            )
        assert created.callback.due_at is not None
        due_times.add(created.callback.due_at)
    answer = random.Random(seed + 1)
    answered = calls = 0
    for due in sorted(due_times):
        clock.set(due)
        async with db.transaction() as session:
            made = await callbacks.make_due(session, now=clock.now(), limit=10_000)
        for _, due_at in made:
            calls += 1
            answered += answer.random() < ANSWERS[due_at.astimezone(PARIS).hour]
    async with db.transaction() as session:
        service_id, _ = (await service_ids(session))[service]
        reasons = list(
            await session.scalars(
                select(CallbackHistory.reason)
                .join(Callback, Callback.id == CallbackHistory.callback_id)
                .where(
                    Callback.service_id == service_id,
                    CallbackHistory.event == CallbackEvent.RESCHEDULE,
                    CallbackHistory.actor == "scheduler",
                )
            )
        )
    return Trial(calls, answered, len(reasons), [r or "" for r in reasons])
