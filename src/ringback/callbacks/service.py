"""Callback use cases. They take a session and never commit: the caller's unit of work does."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ringback import outbox, ratelimit
from ringback.callbacks import best_time, changes, intake, repository
from ringback.callbacks.best_time import AnswerRates
from ringback.callbacks.models import Callback, CallbackHistory, IdempotencyKey
from ringback.callbacks.phones import normalise_phone, phone_time_zone
from ringback.callbacks.queue_load import RecentLoads, queue_wait
from ringback.callbacks.recent_services import RecentServices
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import (
    WAITING_STATES,
    CallbackEvent,
    CallbackState,
    CallbackType,
    Transition,
    transition,
)
from ringback.callbacks.timing import Plan, plan_at, plan_callback
from ringback.callbacks.waits import NO_AGENT_STAFFED
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.config.schema import DuplicatePolicy
from ringback.contacts.service import number_lock
from ringback.db import lock_key
from ringback.errors import RingbackError, conflict, invalid, not_found
from ringback.scheduling.slots import slots_between


@dataclass(frozen=True)
class Caller:
    """Who acts: an API key limited to some services, the CLI, or the scheduler."""

    actor: str
    api_key_id: int | None = None
    services: frozenset[str] | None = None  # None: every service

    def may_use(self, service: str) -> bool:
        return self.services is None or service in self.services


@dataclass(frozen=True)
class PhoneBudget:
    limit: int
    window: timedelta


@dataclass(frozen=True)
class Created:
    callback: Callback
    service: Service
    created: bool  # False: an existing callback is returned instead
    replayed: bool = False  # returned because the request repeats an Idempotency-Key


async def service_for(
    session: AsyncSession, *, name: str, caller: Caller, recent: RecentServices | None = None
) -> Service:
    """A service by name, if it exists and the caller may use it; ``recent``: as read at most
    a second ago (see recent_services.py)."""
    service = None
    database = str(session.get_bind().engine.url) if recent is not None else ""
    if recent is not None:
        service = recent.get(database, name)
    if service is None:
        service = await config_repository.service_by_name(session, name)
        if service is not None and recent is not None:
            recent.put(database, name, service)
    if service is None:
        raise not_found("service-not-found", f"there is no callback service named {name!r}")
    if not caller.may_use(name):
        raise RingbackError(
            "service-forbidden", f"this API key may not use service {name!r}", status=403
        )
    return service


async def create_callback(
    session: AsyncSession,
    *,
    request: CallbackCreate,
    caller: Caller,
    now: datetime,
    idempotency_key: str | None = None,
    phone_budget: PhoneBudget | None = None,
    recent_services: RecentServices | None = None,
    answer_rates: AnswerRates | None = None,
) -> Created:
    """Validate and store a callback request, booking its slot when it has one.

    ``recent_services``: take the service as read at most a second ago (the Callback API does).
    ``answer_rates``: where a service with best_time_to_call reads its answer history; without
    it, no callback is moved (callbacks/best_time.py).
    """
    if idempotency_key is not None:
        replay = await _replay(session, request=request, caller=caller, key=idempotency_key)
        if replay is not None:
            return replay
    service = await service_for(
        session, name=request.service, caller=caller, recent=recent_services
    )
    settings = service.config
    phone = normalise_phone(request.phone, settings.default_region)
    plan = plan_callback(settings, request.type, request.desired_time, now)
    moved = None
    if (
        settings.best_time_to_call
        and request.type is CallbackType.DELAYED
        and answer_rates is not None
    ):
        moved = await best_time.better_plan(
            session,
            service=service,
            plan=plan,
            phone=phone,
            customer_zone=request.time_zone or phone_time_zone(phone),
            now=now,
            answer_rates=answer_rates,
        )
        if moved is not None:
            plan = moved.plan
    budget = None
    if phone_budget is not None:
        budget = ratelimit.Budget(
            f"phone:{phone}", phone_budget.limit, phone_budget.window, f"number {phone}"
        )

    # One lock for the number's duplicate check, budget and contact (on every service).
    await lock_key(session, number_lock(phone))
    on_file = await repository.number_on_file(
        session, service_id=service.id, phone=phone, budget=budget, now=now
    )
    if budget is not None and (on_file.phone_hits or 0) > budget.limit:
        raise ratelimit.refusal(budget, now)
    if len(on_file.active) >= settings.max_active_per_number:
        match settings.duplicate_policy:
            case DuplicatePolicy.REJECT:
                raise _duplicate(phone, service, [callback_id for callback_id, _ in on_file.active])
            case DuplicatePolicy.RETURN_EXISTING:
                existing = await repository.get(session, on_file.active[-1][0])
                assert existing is not None  # locked by number_on_file
                _remember(session, idempotency_key, request, caller, existing, now)
                return Created(existing, service, created=False)
            case DuplicatePolicy.REPLACE:
                active = await repository.active_for_phone(
                    session, service_id=service.id, phone=phone
                )
                await _replace(session, active, service, caller=caller, now=now)
                # The cancellations' history and events come before the new request's.
                await session.flush()
    callback = await intake.write(
        session,
        request=request,
        caller_actor=caller.actor,
        api_key_id=caller.api_key_id,
        now=now,
        service=service,
        phone=phone,
        plan=plan,
        on_file=on_file,
        slot_start=await _book_slot(session, service, plan),
    )
    if moved is not None:
        # The request's own event already carries the moved due time: history only.
        session.add(
            CallbackHistory(
                callback_id=callback.id,
                at=now,
                actor=best_time.ACTOR,
                event=CallbackEvent.RESCHEDULE,
                from_state=plan.state,
                to_state=plan.state,
                reason=moved.reason,
            )
        )
    _remember(session, idempotency_key, request, caller, callback, now)
    return Created(callback, service, created=True)


def _duplicate(phone: str, service: Service, existing: Sequence[uuid.UUID]) -> RingbackError:
    return conflict(
        "duplicate-callback",
        f"{phone} already has {len(existing)} active callback(s) on {service.name}",
        field="phone",
        existing=[str(callback_id) for callback_id in existing],
    )


def _remember(
    session: AsyncSession,
    key: str | None,
    request: CallbackCreate,
    caller: Caller,
    callback: Callback,
    now: datetime,
) -> None:
    """Tie an Idempotency-Key to the callback it answered, so a retry gets the same one."""
    if key is not None and caller.api_key_id is not None:
        session.add(
            IdempotencyKey(
                api_key_id=caller.api_key_id,
                key=key,
                request_hash=_fingerprint(request),
                callback_id=callback.id,
                created_at=now,
            )
        )


async def _replace(
    session: AsyncSession,
    active: Sequence[Callback],
    service: Service,
    *,
    caller: Caller,
    now: datetime,
) -> None:
    """Cancel the oldest waiting callbacks to make room; one already with an agent stays."""
    excess = len(active) - service.config.max_active_per_number + 1
    waiting = [c for c in active if c.state in WAITING_STATES][:excess]
    if len(waiting) < excess:
        raise conflict(
            "duplicate-callback",
            f"{active[0].phone} already has callbacks being handled on {service.name}",
            field="phone",
            existing=[str(c.id) for c in active],
        )
    for old in waiting:
        await _cancel(
            session, old, service, actor=caller.actor, now=now, reason="replaced by a newer request"
        )


async def get_callback(
    session: AsyncSession, *, callback_id: uuid.UUID, caller: Caller, for_update: bool = False
) -> tuple[Callback, Service]:
    callback = await repository.get(session, callback_id, for_update=for_update)
    if callback is None:
        raise not_found("callback-not-found", f"there is no callback {callback_id}")
    service = await config_repository.service_by_id(session, callback.service_id)
    if not caller.may_use(service.name):
        # Do not tell a key about callbacks of services it cannot see.
        raise not_found("callback-not-found", f"there is no callback {callback_id}")
    return callback, service


async def cancel_callback(
    session: AsyncSession,
    *,
    callback_id: uuid.UUID,
    caller: Caller,
    now: datetime,
    reason: str | None,
    withdrawn_by: str = "customer",
) -> tuple[Callback, Service]:
    """Cancel a callback no agent has taken yet; an open offer is withdrawn from the screen.

    ``withdrawn_by`` is who the agent's case history names for a withdrawn offer.
    """
    callback, service = await get_callback(
        session, callback_id=callback_id, caller=caller, for_update=True
    )
    await _cancel(
        session,
        callback,
        service,
        actor=caller.actor,
        now=now,
        reason=reason,
        withdrawn_by=withdrawn_by,
    )
    return callback, service


async def set_priority(
    session: AsyncSession,
    *,
    callback_id: uuid.UUID,
    priority: int,
    caller: Caller,
    now: datetime,
    reason: str | None = None,
) -> tuple[Callback, Service]:
    """Change the base priority of a callback that is still waiting; routing reads it next pass."""
    callback, service = await get_callback(
        session, callback_id=callback_id, caller=caller, for_update=True
    )
    step = transition(callback.id, callback.state, CallbackEvent.REPRIORITISE)
    if priority == callback.priority:
        return callback, service
    why = f"priority {callback.priority} -> {priority}"
    callback.priority = priority
    _apply(
        session,
        callback,
        step,
        actor=caller.actor,
        now=now,
        reason=f"{why}: {reason}" if reason else why,
    )
    return callback, service


async def add_customer_note(
    session: AsyncSession,
    *,
    callback_id: uuid.UUID,
    note: str,
    caller: Caller,
    now: datetime,
) -> tuple[Callback, Service]:
    """Add the customer's note to the instructions the agent is shown with the callback."""
    callback, service = await get_callback(
        session, callback_id=callback_id, caller=caller, for_update=True
    )
    step = transition(callback.id, callback.state, CallbackEvent.NOTE)
    text = " ".join(note.split())
    if not text:
        raise invalid("empty-note", "the note has no text", field="note")
    line = f"Note from the customer ({now.astimezone(UTC):%Y-%m-%d %H:%M} UTC): {text}"
    callback.instructions = f"{callback.instructions}\n\n{line}" if callback.instructions else line
    _apply(
        session, callback, step, actor=caller.actor, now=now, reason="note added by the customer"
    )
    return callback, service


@dataclass(frozen=True)
class SlotAvailability:
    start: datetime
    end: datetime
    capacity: int
    booked: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.booked)


async def availability(
    session: AsyncSession, *, service: Service, start: datetime, end: datetime, now: datetime
) -> list[SlotAvailability]:
    """Bookable slots starting in ``[start, end)``, within the lead time and the horizon."""
    settings = service.config
    earliest = max(start, now + timedelta(minutes=settings.min_lead_minutes))
    latest = min(end, now + timedelta(days=settings.booking_horizon_days))
    if earliest >= latest:
        return []
    slots = slots_between(settings.hours, settings.slot_length, earliest, latest)
    if not slots:
        return []
    booked = await repository.bookings(session, service_id=service.id, start=start, end=end)
    return [
        SlotAvailability(slot.start, slot.end, settings.slot_capacity, booked.get(slot.start, 0))
        for slot in slots
    ]


async def reschedule_callback(
    session: AsyncSession,
    *,
    callback_id: uuid.UUID,
    desired_time: datetime,
    caller: Caller,
    now: datetime,
) -> tuple[Callback, Service]:
    """Move a waiting callback to another time, checked like a new request of its type."""
    callback, service = await get_callback(
        session, callback_id=callback_id, caller=caller, for_update=True
    )
    step = transition(callback.id, callback.state, CallbackEvent.RESCHEDULE)
    rules = (
        CallbackType.SCHEDULED if callback.type is CallbackType.SCHEDULED else CallbackType.DELAYED
    )
    plan = plan_at(service.config, rules, desired_time, now)
    await _release(session, callback)
    await book(session, callback, service, plan)
    callback.desired_time = plan.desired_time
    callback.due_at = plan.due_at
    callback.queued_at = None
    _apply(
        session,
        callback,
        step,
        actor=caller.actor,
        now=now,
        reason=f"moved to {desired_time.isoformat()}",
    )
    return callback, service


async def make_due(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[Callback, datetime]]:
    """Queue callbacks whose due time has passed (at most ``limit``), each with its due time."""
    made: list[tuple[Callback, datetime]] = []
    for callback in await repository.due(session, now=now, limit=limit):
        due_at = callback.due_at
        assert due_at is not None
        step = transition(callback.id, callback.state, CallbackEvent.DUE)
        callback.due_at = None
        callback.queued_at = due_at  # its place in the queue is its due time, however late we are
        _apply(
            session,
            callback,
            step,
            actor="scheduler",
            now=now,
            reason=f"due at {due_at.isoformat()}",
        )
        made.append((callback, due_at))
    return made


async def history(
    session: AsyncSession, *, callback_id: uuid.UUID, caller: Caller
) -> Sequence[CallbackHistory]:
    await get_callback(session, callback_id=callback_id, caller=caller)
    return await repository.history(session, callback_id)


@dataclass(frozen=True)
class Position:
    callback: Callback
    service: Service
    ahead: int | None
    estimated_wait: timedelta | None  # the expected (mean) wait
    estimated_time: datetime | None
    method: str  # how the estimate was made
    # Nine callbacks in ten are offered by then (queued callbacks only).
    estimated_wait_p90: timedelta | None = None


async def position(
    session: AsyncSession,
    *,
    callback_id: uuid.UUID,
    caller: Caller,
    now: datetime,
    recent_loads: RecentLoads | None = None,
) -> Position:
    """Place in the queue and the expected wait, from the agents working on the queue and its
    recent handle time (callbacks/waits.py); ``recent_loads``: the queue as read a second ago."""
    callback, service = await get_callback(session, callback_id=callback_id, caller=caller)
    if callback.state is CallbackState.QUEUED:
        ahead = await repository.count_ahead(session, callback)
        found = await queue_wait(
            session, service=service, ahead=ahead, now=now, recent=recent_loads
        )
        if found is None:
            return Position(callback, service, ahead, None, None, NO_AGENT_STAFFED)
        return Position(
            callback,
            service,
            ahead,
            found.expected,
            now + found.expected,
            found.method,
            estimated_wait_p90=found.p90,
        )
    if callback.state is CallbackState.SCHEDULED and callback.due_at is not None:
        wait = max(callback.due_at - now, timedelta())
        return Position(callback, service, None, wait, callback.due_at, "due-time")
    return Position(callback, service, None, None, None, "not-waiting")


async def _replay(
    session: AsyncSession, *, request: CallbackCreate, caller: Caller, key: str
) -> Created | None:
    if caller.api_key_id is None:
        return None
    await lock_key(session, f"idempotency:{caller.api_key_id}:{key}")
    stored = await repository.idempotency_key(session, api_key_id=caller.api_key_id, key=key)
    if stored is None:
        return None
    if stored.request_hash != _fingerprint(request):
        raise invalid(
            "idempotency-key-reused",
            "this Idempotency-Key was used with another request body",
            field="Idempotency-Key",
        )
    callback, service = await get_callback(session, callback_id=stored.callback_id, caller=caller)
    return Created(callback, service, created=False, replayed=True)


async def _cancel(
    session: AsyncSession,
    callback: Callback,
    service: Service,
    *,
    actor: str,
    now: datetime,
    reason: str | None,
    withdrawn_by: str = "customer",
) -> None:
    step = transition(callback.id, callback.state, CallbackEvent.CANCEL)
    await end_waiting(session, callback, now=now, withdrawn_by=withdrawn_by)
    _apply(session, callback, step, actor=actor, now=now, reason=reason)


class OfferWithdrawal(Protocol):
    """Takes an offered callback off its agent's screen, in the caller's transaction."""

    async def __call__(
        self, session: AsyncSession, *, callback: Callback, now: datetime, actor: str
    ) -> None: ...


# Interactions build on callbacks, never the other way round: the interactions domain
# registers here how an offer is withdrawn (interactions/offers.py, when it is imported).
_offer_withdrawal: OfferWithdrawal | None = None


def handle_offer_withdrawal(withdrawal: OfferWithdrawal) -> None:
    """Register what withdraws an offer when an offered callback ends without its agent."""
    global _offer_withdrawal
    _offer_withdrawal = withdrawal


async def end_waiting(
    session: AsyncSession, callback: Callback, *, now: datetime, withdrawn_by: str = "customer"
) -> None:
    """Take the callback off an agent's screen and give its slot back, before it ends."""
    if callback.state is CallbackState.OFFERED:
        if _offer_withdrawal is None:
            # Only the interactions domain makes offers, so it is loaded wherever one exists.
            raise RuntimeError("an offered callback ends, but nothing withdraws offers")
        await _offer_withdrawal(session, callback=callback, now=now, actor=withdrawn_by)
    await _release(session, callback)
    callback.due_at = None


async def book(session: AsyncSession, callback: Callback, service: Service, plan: Plan) -> None:
    """Hold a place in the plan's slot (if it has one), or refuse with slot-full."""
    callback.slot_start = await _book_slot(session, service, plan)


async def _book_slot(session: AsyncSession, service: Service, plan: Plan) -> datetime | None:
    """The start of the plan's slot once a place in it is held (None: no slot), or slot-full."""
    if plan.slot is None:
        return None
    booked = await repository.book_slot(
        session,
        service_id=service.id,
        slot_start=plan.slot.start,
        capacity=service.config.slot_capacity,
    )
    if not booked:
        local = plan.slot.start.astimezone(service.config.zone)
        raise conflict(
            "slot-full",
            f"the slot at {local.isoformat()} has no place left; pick another from availability",
            field="desired_time",
        )
    return plan.slot.start


async def _release(session: AsyncSession, callback: Callback) -> None:
    if callback.slot_start is not None and callback.state is CallbackState.SCHEDULED:
        await repository.release_slot(
            session, service_id=callback.service_id, slot_start=callback.slot_start
        )
    callback.slot_start = None


def _apply(
    session: AsyncSession,
    callback: Callback,
    step: Transition,
    *,
    actor: str,
    now: datetime,
    reason: str | None,
) -> None:
    # A use case reads the clock before it gets the callback's lock (a routing pass or a cancel
    # may wait for another transaction): if a change committed in between, this one took effect
    # after it, so it is stamped no earlier and the history's times follow its order.
    at = max(now, callback.updated_at)
    callback.state = step.target
    callback.updated_at = at
    _record(session, callback, step, actor=actor, now=at, reason=reason)


def _record(
    session: AsyncSession,
    callback: Callback,
    step: Transition | None,
    *,
    actor: str,
    now: datetime,
    reason: str | None,
) -> None:
    """Append the change to the callback's history and to the outbox, in this transaction."""
    session.add(
        CallbackHistory(
            callback_id=callback.id,
            at=now,
            actor=actor,
            event=step.event if step else CallbackEvent.CREATE,
            from_state=step.source if step else None,
            to_state=callback.state,
            reason=reason,
        )
    )
    _record_outbox(session, callback, step, now=now)


def _record_outbox(
    session: AsyncSession, callback: Callback, step: Transition | None, *, now: datetime
) -> None:
    """The outbox event of a change whose history row is written."""
    outbox.record(session, changes.topic(callback), changes.payload(callback, step), at=now)


def _fingerprint(request: CallbackCreate) -> str:
    body = json.dumps(request.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def change_state(
    session: AsyncSession,
    callback: Callback,
    event: CallbackEvent,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Apply one transition of the callback machine, with its history row and outbox event."""
    step = transition(callback.id, callback.state, event)
    _apply(session, callback, step, actor=actor, now=now, reason=reason)
