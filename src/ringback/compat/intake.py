"""The vendors' requests as calls of the callbacks service, and its callbacks as they read them.

Everything here goes through ``ringback.callbacks.service`` (the functions Ringback's own
Callback API uses), so a callback asked for on a compatibility surface keeps every rule: the
key's scope, the number's budget, duplicates, slots, idempotency, history and the outbox.
What a vendor's request carries beyond the Callback API (more numbers, a priority, a preferred
agent, fields Ringback has no use for) is applied after creation or kept in the callback's data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.phones import normalise_phone
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackState, CallbackType
from ringback.compat import repository
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.errors import RingbackError, invalid, not_found
from ringback.reports.answer_rates import ANSWER_RATES

# The data key of the numbers kept beside the one called, shown to the agent with the rest.
ALTERNATES_KEY = "alternate_numbers"
MAX_PRIORITY = 100


async def service_named(session: AsyncSession, name: str, *, caller: callbacks.Caller) -> Service:
    """The service a vendor's request names, by its name or one of its aliases."""
    found = await config_repository.service_by_name(session, name)
    if found is None:
        found = next(
            (s for s in await config_repository.active_services(session) if name in s.config.names),
            None,
        )
    if found is None:
        raise not_found("service-not-found", f"there is no callback service named {name!r}")
    if not caller.may_use(found.name):
        raise RingbackError(
            "service-forbidden", f"this API key may not use service {name!r}", status=403
        )
    return found


@dataclass(frozen=True)
class Numbers:
    called: str  # E.164
    alternates: tuple[str, ...] = ()


def pick_numbers(raw: Sequence[str], *, region: str, strict: bool, field: str) -> Numbers:
    """The first number that can be called and the others kept. ``strict``: any number that
    cannot be called is refused, named by its place in the list; otherwise it is dropped."""
    if not raw:
        raise invalid("invalid-phone", f"{field} needs at least one number", field=field)
    kept: list[str] = []
    refusals: list[RingbackError] = []
    for index, number in enumerate(raw):
        try:
            e164 = normalise_phone(number, region, field=f"{field}[{index}]")
        except RingbackError as exc:
            if strict:
                raise
            refusals.append(exc)
            continue
        if e164 not in kept:
            kept.append(e164)
    if not kept:
        if len(refusals) == 1:
            raise refusals[0]
        raise invalid(
            "invalid-phone", f"none of the {len(raw)} numbers in {field} can be called", field=field
        )
    return Numbers(kept[0], tuple(kept[1:]))


def callback_type(service: Service, desired_time: datetime | None) -> CallbackType:
    """A time asked for books a slot where the service has them, else delays the callback;
    without one, the callback is immediate where the service allows it."""
    offered = service.config.types
    wanted = (
        (CallbackType.IMMEDIATE, CallbackType.DELAYED, CallbackType.SCHEDULED)
        if desired_time is None
        else (CallbackType.SCHEDULED, CallbackType.DELAYED, CallbackType.IMMEDIATE)
    )
    return next(t for t in wanted if t in offered)


@dataclass(frozen=True)
class Ask:
    """A vendor's request for a callback, in Ringback's terms."""

    service: Service
    numbers: Numbers
    desired_time: datetime | None = None
    name: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    channel: Literal["web", "mobile", "ivr"] = "web"
    priority_boost: int = 0  # added to the service's priority
    preferred_agents: Sequence[str] = ()  # agent logins, the first active one is reserved


async def ask(
    session: AsyncSession,
    request: Ask,
    *,
    caller: callbacks.Caller,
    now: datetime,
    idempotency_key: str | None,
    phone_budget: callbacks.PhoneBudget,
    fields: Mapping[str, str],
) -> callbacks.Created:
    """Ask for the callback as POST /api/v1/callbacks does, then apply what only the vendor's
    request carries. ``fields`` names the vendor's field for each of Ringback's in refusals."""
    data = dict(request.data)
    if request.numbers.alternates:
        data[ALTERNATES_KEY] = ", ".join(request.numbers.alternates)
    try:
        create = CallbackCreate(
            service=request.service.name,
            phone=request.numbers.called,
            type=callback_type(request.service, request.desired_time),
            desired_time=request.desired_time,
            name=request.name,
            data=data,
            channel=request.channel,
        )
    except ValidationError as exc:
        raise _refusal(exc, fields) from None
    created = await callbacks.create_callback(
        session,
        request=create,
        caller=caller,
        now=now,
        idempotency_key=idempotency_key,
        phone_budget=phone_budget,
        answer_rates=ANSWER_RATES,
    )
    if not created.created:
        return created
    if request.priority_boost:
        base = created.callback.priority
        await callbacks.set_priority(
            session,
            callback_id=created.callback.id,
            priority=max(0, min(MAX_PRIORITY, base + request.priority_boost)),
            caller=caller,
            now=now,
            reason="routing priority of the request",
        )
    if request.preferred_agents:
        await reserve(session, created.callback, created.service, request.preferred_agents, now)
    return created


async def reserve(
    session: AsyncSession,
    callback: Callback,
    service: Service,
    logins: Sequence[str],
    now: datetime,
) -> bool:
    """Keep the callback for the first of ``logins`` that is an active agent, until the
    service's personal-callback fallback after it is due; then anyone may take it."""
    for login in logins:
        agent = await repository.active_agent(session, login)
        if agent is not None:
            fallback = timedelta(minutes=service.config.personal_callback_fallback_minutes)
            due = max(callback.due_at or now, now)
            callback.reserved_agent_id, callback.reserved_until = agent.id, due + fallback
            return True
    return False


def _refusal(exc: ValidationError, fields: Mapping[str, str]) -> RingbackError:
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    if location:
        location[0] = fields.get(location[0], location[0])
    where = ".".join(location)
    return invalid("invalid-request", f"{where}: {error['msg']}", field=where)


# GMS states (and the reason a finished callback carries), from Ringback's.
GMS_STATES: dict[CallbackState, tuple[str, str | None]] = {
    CallbackState.SCHEDULED: ("SCHEDULED", None),
    CallbackState.QUEUED: ("QUEUED", None),
    CallbackState.OFFERED: ("ROUTING", None),
    CallbackState.ACCEPTED: ("PROCESSING", None),
    CallbackState.DIALING: ("PROCESSING", None),
    CallbackState.CONNECTED: ("PROCESSING", None),
    CallbackState.COMPLETED: ("COMPLETED", "COMPLETED"),
    CallbackState.CANCELLED: ("COMPLETED", "CANCELLED"),
    CallbackState.FAILED: ("COMPLETED", "FAILED"),
    CallbackState.EXPIRED: ("COMPLETED", "EXPIRED"),
}


def states_for_gms(state: str | None = None, reason: str | None = None) -> set[CallbackState]:
    """Ringback's states that read as a GMS ``_callback_state`` and/or ``_callback_reason``."""
    return {
        ours
        for ours, (theirs, why) in GMS_STATES.items()
        if (state is None or theirs == state.upper()) and (reason is None or why == reason.upper())
    }


_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def utc_time(text: str, *, field: str) -> datetime:
    """An ISO 8601 time; one without an offset is read as UTC (as the vendors' clients mean it)."""
    if not _TIME.match(text):
        raise invalid(
            "invalid-time", f"{field} must be an ISO 8601 date and time, not {text!r}", field=field
        )
    try:
        parsed = datetime.fromisoformat(text.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset that leaves the years 1-9999
        raise invalid(
            "invalid-time", f"{field} must be an ISO 8601 date and time, not {text!r}", field=field
        ) from None


def utc_text(at: datetime) -> str:
    """A time as the vendors write it: UTC, milliseconds, ``Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
