"""The customer calls in first: each of the number's active callbacks is completed, kept or
given the call's data, as its service's ``inbound_first`` says. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks import repository as callback_repository
from ringback.callbacks.models import Callback
from ringback.callbacks.phones import normalise_phone
from ringback.callbacks.service import Caller, change_state, end_waiting, service_for
from ringback.callbacks.states import CallbackState
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.contacts.models import ContactHistoryKind
from ringback.contacts.service import add_history, number_lock
from ringback.db import lock_key
from ringback.errors import RingbackError
from ringback.inbound import repository
from ringback.inbound.policy import Outcome, event_for, outcome, reason
from ringback.inbound.schemas import InboundCall

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Handled:
    callback: Callback
    service: Service
    outcome: Outcome
    from_state: CallbackState
    reason: str


async def record_inbound_call(
    session: AsyncSession, *, call: InboundCall, caller: Caller, now: datetime
) -> list[Handled]:
    """Apply each service's policy to the number's active callbacks there, oldest first."""
    services = await _services(session, call=call, caller=caller)
    numbers = _numbers(call.phone, services, named=call.service is not None)
    # The lock new requests for the number take: none is created while its calls are settled.
    for phone in sorted(set(numbers.values())):
        await lock_key(session, number_lock(phone))
    handled: list[Handled] = []
    for service in services:
        if service.id not in numbers:
            continue
        for callback in await callback_repository.active_for_phone(
            session, service_id=service.id, phone=numbers[service.id]
        ):
            handled.append(await _settle(session, callback, service, call, caller=caller, now=now))
    log.info(
        "inbound call",
        stage=str(call.stage),
        reference=call.reference,
        callbacks={str(h.callback.id): str(h.outcome) for h in handled},
    )
    return handled


async def _services(session: AsyncSession, *, call: InboundCall, caller: Caller) -> list[Service]:
    if call.service is not None:
        return [await service_for(session, name=call.service, caller=caller)]
    return [s for s in await config_repository.active_services(session) if caller.may_use(s.name)]


def _numbers(raw: str, services: list[Service], *, named: bool) -> dict[int, str]:
    """The number in E.164 for each service, read in its region. A number no service can read
    is refused; one that only some services can read (a national format) matches there only."""
    numbers: dict[int, str] = {}
    refusal: RingbackError | None = None
    for service in services:
        try:
            numbers[service.id] = normalise_phone(raw, service.config.default_region)
        except RingbackError as exc:
            if named:
                raise
            refusal = refusal or exc
    if refusal is not None and not numbers:
        raise refusal
    return numbers


async def _settle(
    session: AsyncSession,
    callback: Callback,
    service: Service,
    call: InboundCall,
    *,
    caller: Caller,
    now: datetime,
) -> Handled:
    policy = service.config.inbound_first
    before = callback.state
    result = outcome(policy, call.stage, before, has_data=bool(call.data))
    merged = sorted(call.data) if result is Outcome.MERGED else []
    why = reason(
        result,
        policy=policy,
        stage=call.stage,
        agent=call.agent,
        reference=call.reference,
        merged_keys=merged,
    )
    if result is Outcome.MERGED:
        callback.data = {**callback.data, **call.data}  # the call's values are the newer ones
    if result is Outcome.COMPLETED:
        await end_waiting(session, callback, now=now)
    change_state(session, callback, event_for(result), actor=caller.actor, now=now, reason=why)
    if result is not Outcome.COMPLETED:
        await _tell_agents(session, callback, why, actor=caller.actor, now=now)
    if callback.contact_id is not None:
        await add_history(
            session,
            contact_id=callback.contact_id,
            kind=ContactHistoryKind.CALLBACK,
            text=f"{why} (callback on {service.name} {result})",
            now=now,
            callback_id=callback.id,
        )
    return Handled(callback, service, result, before, why)


async def _tell_agents(
    session: AsyncSession, callback: Callback, why: str, *, actor: str, now: datetime
) -> None:
    """Show the call in the case history of each agent with the callback open, and push the
    interaction (with any merged data) to their screens."""
    # Imported here: interactions build on callbacks, as in callbacks.service._cancel.
    from ringback.interactions.common import announce, note, with_context

    for interaction in await repository.open_interactions(session, callback.id):
        handling = await with_context(session, interaction, lock_callback=False)
        note(session, handling, "customer_called_in", actor=actor, now=now, reason=why)
        announce(session, handling, now=now)
