"""Call actions. Each one checks the interaction's state, then asks the switch after commit.

The switch answers with events (see switch_events.py), which move the interaction's state; so
a request here records the intent and the outbox carries the command, never the reverse.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ringback import outbox
from ringback.agents.models import Agent
from ringback.callbacks.service import change_state
from ringback.callbacks.states import CallbackEvent
from ringback.errors import RingbackError
from ringback.interactions.common import Handling, announce, check, load, note, step
from ringback.interactions.states import Action, InteractionEvent
from ringback.interactions.targets import Target, resolve
from ringback.scheduling.window import may_call, next_call_time
from ringback.teamcomm import service as teamcomm


def command(session: AsyncSession, request: str, *, now: datetime, **arguments: Any) -> None:
    """A switch request, sent once the transaction has committed."""
    outbox.record(session, f"switch.{request}", arguments, at=now)


async def call(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, now: datetime
) -> Handling:
    """The agent's Call: dial the customer (again)."""
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.CALL)
    await dial(session, handling, agent=agent, now=now)
    announce(session, handling, now=now)
    return handling


async def dial(session: AsyncSession, handling: Handling, *, agent: Agent, now: datetime) -> None:
    """Place the call to the customer, if the service and the customer's clock allow it now."""
    callback, config = handling.callback, handling.service.config
    if not may_call(
        service_hours=config.hours,
        window=config.customer_window,
        customer_zone=callback.customer_time_zone,
        at=now,
    ):
        later = next_call_time(
            service_hours=config.hours,
            window=config.customer_window,
            customer_zone=callback.customer_time_zone,
            at=now,
        )
        raise RingbackError(
            "outside-calling-window",
            "the customer may not be called now (office hours, or their local calling window "
            f"{config.calling_window}); reschedule the callback",
            status=409,
            next_allowed=later.isoformat() if later else None,
        )
    call_id = f"call-{uuid.uuid4().hex}"
    step(handling, InteractionEvent.DIAL, now=now)
    handling.interaction.call_id = call_id
    handling.interaction.last_result = None
    callback.attempts += 1
    change_state(
        session,
        callback,
        CallbackEvent.DIAL,
        actor=agent.login,
        now=now,
        reason=f"attempt {callback.attempts}",
    )
    note(
        session,
        handling,
        "dial",
        actor=agent.login,
        now=now,
        number=callback.phone,
        attempt=callback.attempts,
    )
    command(
        session,
        "make_call",
        now=now,
        call_id=call_id,
        place=f"place:{agent.place}",
        destination=callback.phone,
        caller_id=config.caller_id,
        ring_seconds=config.ring_seconds,
    )


async def simple(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, action: Action, now: datetime
) -> Handling:
    """End Call, Hold and Resume: one switch request on the current call."""
    handling = await load(session, interaction_id, agent=agent)
    check(handling, action)
    request = {Action.END_CALL: "release", Action.HOLD: "hold", Action.RESUME: "retrieve"}[action]
    note(session, handling, str(action), actor=agent.login, now=now)
    command(session, request, now=now, call_id=handling.interaction.call_id)
    return handling


async def send_dtmf(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, digits: str, now: datetime
) -> Handling:
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.SEND_DTMF)
    command(session, "send_dtmf", now=now, call_id=handling.interaction.call_id, digits=digits)
    return handling


async def instant(
    session: AsyncSession,
    *,
    interaction_id: uuid.UUID,
    agent: Agent,
    action: Action,
    target: str,
    now: datetime,
    reason: str | None = None,
) -> Handling:
    """Instant Call Transfer or Instant Call Conference to a Team Communicator target; the
    reason goes to the case history, and to the screen of an agent who takes the call."""
    handling = await load(session, interaction_id, agent=agent)
    check(handling, action)
    found = await _target(session, handling, target, agent)
    request = "single_step_transfer" if action is Action.TRANSFER else "single_step_conference"
    handling.interaction.parties = {**handling.interaction.parties, found.address: "pending"}
    note(
        session,
        handling,
        str(action),
        actor=agent.login,
        now=now,
        target=found.address,
        label=found.label,
        **_reason(reason),
    )
    await teamcomm.used(session, agent=agent, target=target, label=found.label, now=now)
    command(
        session, request, now=now, call_id=handling.interaction.call_id, destination=found.address
    )
    announce(session, handling, now=now)
    return handling


async def start_consultation(
    session: AsyncSession,
    *,
    interaction_id: uuid.UUID,
    agent: Agent,
    target: str,
    now: datetime,
    reason: str | None = None,
) -> Handling:
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.START_CONSULTATION)
    found = await _target(session, handling, target, agent)
    interaction = handling.interaction
    interaction.consultation_id = f"consult-{uuid.uuid4().hex}"
    interaction.consultation_target, interaction.consultation_state = found.address, "ringing"
    note(
        session,
        handling,
        "consultation",
        actor=agent.login,
        now=now,
        target=found.address,
        label=found.label,
        **_reason(reason),
    )
    await teamcomm.used(session, agent=agent, target=target, label=found.label, now=now)
    command(
        session,
        "init_consultation",
        now=now,
        call_id=interaction.call_id,
        consultation_id=interaction.consultation_id,
        destination=found.address,
    )
    announce(session, handling, now=now)
    return handling


CONSULTATION_REQUESTS = {
    "end_consultation": "cancel_consultation",
    "complete_transfer": "complete_transfer",
    "complete_conference": "complete_conference",
}


async def finish_consultation(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, how: str, now: datetime
) -> Handling:
    """End the consultation, or complete it as a transfer or a conference."""
    handling = await load(session, interaction_id, agent=agent)
    interaction = handling.interaction
    if not interaction.consultation_id:
        raise RingbackError("no-consultation", "there is no consultation to finish", status=409)
    if how != "end_consultation" and interaction.consultation_state != "connected":
        raise RingbackError(
            "consultation-not-connected", "the consultation target has not answered yet", status=409
        )
    note(session, handling, how, actor=agent.login, now=now, target=interaction.consultation_target)
    command(
        session,
        CONSULTATION_REQUESTS[how],
        now=now,
        call_id=interaction.call_id,
        consultation_id=interaction.consultation_id,
    )
    return handling


def _reason(reason: str | None) -> dict[str, str]:
    """The case history's ``reason`` detail, when one was given."""
    text = (reason or "").strip()
    return {"reason": text} if text else {}


async def _target(session: AsyncSession, handling: Handling, target: str, agent: Agent) -> Target:
    found = await resolve(session, target, region=handling.service.config.default_region)
    if found.address == f"place:{agent.place}":
        raise RingbackError("own-place", "that is your own place", status=422, field="target")
    return found
