"""Notes, dispositions, rescheduling and Mark Done."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentStatus
from ringback.agents.service import change_status
from ringback.callbacks import best_time
from ringback.callbacks import service as callbacks
from ringback.callbacks.best_time import AnswerRates
from ringback.callbacks.retry import GiveUp, after_failed_attempt
from ringback.callbacks.service import change_state
from ringback.callbacks.states import CallbackEvent, CallbackState, CallbackType
from ringback.callbacks.timing import Plan, plan_at
from ringback.config import repository as config_repository
from ringback.contacts import service as contacts
from ringback.contacts.models import ContactHistoryKind
from ringback.email.models import EmailMessage
from ringback.email.service import compose_email
from ringback.errors import RingbackError, invalid
from ringback.interactions import repository
from ringback.interactions.common import Handling, announce, check, load, note, step
from ringback.interactions.states import Action, InteractionEvent
from ringback.telephony.switch import DialResult


async def add_note(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, text: str, now: datetime
) -> Handling:
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.NOTE)
    note(session, handling, "note", actor=agent.login, now=now, text=text)
    await _contact_history(session, handling, ContactHistoryKind.NOTE, text, agent, now)
    announce(session, handling, now=now)
    return handling


async def email_contact(
    session: AsyncSession,
    *,
    interaction_id: uuid.UUID,
    agent: Agent,
    to: str,
    subject: str,
    body: str,
    now: datetime,
) -> EmailMessage:
    """Party Action Menu: start an e-mail to the interaction's contact, at one of its addresses."""
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.EMAIL)
    if handling.callback.contact_id is None:
        raise RingbackError("no-contact", "this callback has no contact to write to", status=409)
    message = await compose_email(
        session,
        contact_id=handling.callback.contact_id,
        to=to,
        subject=subject,
        body=body,
        agent_login=agent.login,
        interaction_id=handling.interaction.id,
        now=now,
    )
    note(
        session,
        handling,
        "email",
        actor=agent.login,
        now=now,
        to=message.to_address,
        subject=subject,
    )
    announce(session, handling, now=now)
    return message


async def set_disposition(
    session: AsyncSession, *, interaction_id: uuid.UUID, agent: Agent, code: str, now: datetime
) -> Handling:
    """Qualify the outcome with a code from the service's part of the disposition tree."""
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.DISPOSITION)
    rows = [row for row in await config_repository.all_dispositions(session) if row.active]
    parents = {row.code: row.parent_code for row in rows}
    if code not in parents:
        raise invalid("unknown-disposition", f"{code!r} is not a disposition code", field="code")
    allowed_roots = handling.service.config.dispositions
    root = code
    while parents.get(root):
        root = parents[root] or root
    if allowed_roots and root not in allowed_roots:
        raise invalid(
            "disposition-not-for-service",
            f"{code!r} is not one of service {handling.service.name}'s dispositions",
            field="code",
        )
    handling.interaction.disposition = code
    handling.interaction.updated_at = now
    note(session, handling, "disposition", actor=agent.login, now=now, code=code)
    await _contact_history(session, handling, ContactHistoryKind.DISPOSITION, code, agent, now)
    announce(session, handling, now=now)
    return handling


async def reschedule(
    session: AsyncSession,
    *,
    interaction_id: uuid.UUID,
    agent: Agent,
    desired_time: datetime,
    personal: bool,
    now: datetime,
) -> Handling:
    """Schedule a Callback: a new attempt at another time, optionally kept for this agent."""
    handling = await load(session, interaction_id, agent=agent)
    check(handling, Action.RESCHEDULE)
    callback, service = handling.callback, handling.service
    rules = (
        CallbackType.SCHEDULED
        if CallbackType.SCHEDULED in service.config.types
        else CallbackType.DELAYED
    )
    plan = plan_at(service.config, rules, desired_time, now)
    await callbacks.book(session, callback, service, plan)
    callback.desired_time, callback.due_at, callback.queued_at = (
        plan.desired_time,
        plan.due_at,
        None,
    )
    if personal:
        fallback = timedelta(minutes=service.config.personal_callback_fallback_minutes)
        callback.reserved_agent_id, callback.reserved_until = agent.id, plan.desired_time + fallback
    else:
        callback.reserved_agent_id = callback.reserved_until = None
    change_state(
        session,
        callback,
        CallbackEvent.RESCHEDULE,
        actor=agent.login,
        now=now,
        reason=f"{'personal callback ' if personal else ''}at {plan.desired_time.isoformat()}",
    )
    note(
        session,
        handling,
        "rescheduled",
        actor=agent.login,
        now=now,
        at=plan.desired_time.isoformat(),
        personal=personal,
    )
    announce(session, handling, now=now)
    return handling


async def mark_done(
    session: AsyncSession,
    *,
    interaction_id: uuid.UUID,
    agent: Agent,
    now: datetime,
    answer_rates: AnswerRates | None = None,
) -> Handling:
    """Close the agent's interaction and start After Call Work. The callback completes, retries
    or fails with it, unless a transfer handed the customer to another agent: then it is theirs
    to finish, and this Mark Done closes this agent's interaction only. ``answer_rates``: where
    a service with best_time_to_call reads the answer rates that may move a delayed retry."""
    handling = await load(session, interaction_id, agent=agent)
    interaction, config = handling.interaction, handling.service.config
    check(handling, Action.MARK_DONE)
    if config.disposition_required and interaction.disposition is None:
        raise RingbackError(
            "disposition-required",
            f"service {handling.service.name} needs a disposition code before Mark Done",
            status=409,
        )
    # A colleague brought into the call leaves the callback to the agent who holds it.
    joined = handling.handover is not None and handling.handover.how == "conference"
    if not joined and not await repository.handed_over(session, interaction.id):
        await _settle_callback(session, handling, agent, now, answer_rates)
    step(handling, InteractionEvent.MARK_DONE, now=now)
    interaction.ended_at = now
    note(session, handling, "done", actor=agent.login, now=now)
    status = await agent_repository.channel_status(
        session, agent.id, interaction.channel, for_update=True
    )
    assert status is not None
    status.busy_with = None
    if config.after_call_work_seconds and status.status is AgentStatus.READY:
        change_status(
            session,
            agent,
            status,
            AgentStatus.AFTER_CALL_WORK,
            now=now,
            reason=None,
            acw_until=now + timedelta(seconds=config.after_call_work_seconds),
            acw_then=AgentStatus(config.after_call_work_then),
        )
    else:
        status.idle_since = now
        change_status(session, agent, status, status.status, now=now, reason=status.reason)
    announce(session, handling, now=now)
    return handling


async def _contact_history(
    session: AsyncSession,
    handling: Handling,
    kind: ContactHistoryKind,
    text: str,
    agent: Agent,
    now: datetime,
) -> None:
    """Notes and dispositions also go to the contact's own history."""
    if handling.callback.contact_id is not None:
        await contacts.add_history(
            session,
            contact_id=handling.callback.contact_id,
            kind=kind,
            text=text,
            now=now,
            agent_login=agent.login,
            interaction_id=handling.interaction.id,
            callback_id=handling.callback.id,
        )


async def _settle_callback(
    session: AsyncSession,
    handling: Handling,
    agent: Agent,
    now: datetime,
    answer_rates: AnswerRates | None,
) -> None:
    """Reached (or closed before any dial): completed. Dialled without reaching: retry policy."""
    callback, config = handling.callback, handling.service.config
    if callback.state not in (CallbackState.ACCEPTED, CallbackState.CONNECTED):
        return  # already rescheduled, failed or completed
    if callback.contacted_at is not None or callback.last_result is None:
        change_state(session, callback, CallbackEvent.COMPLETE, actor=agent.login, now=now)
        return
    decision = after_failed_attempt(
        result=DialResult(callback.last_result),
        attempts=callback.attempts,
        max_attempts=config.max_attempts,
        delays=config.retry_delays,
        now=now,
    )
    if isinstance(decision, GiveUp):
        change_state(
            session,
            callback,
            CallbackEvent.FAIL,
            actor=agent.login,
            now=now,
            reason=decision.reason,
        )
        return
    due_at, moved = decision.due_at, ""
    if (
        config.best_time_to_call
        and callback.type is CallbackType.DELAYED
        and answer_rates is not None
    ):
        # The retry's delay is the earliest; the service's window after it is the latest.
        better = await best_time.better_plan(
            session,
            service=handling.service,
            plan=Plan(CallbackState.SCHEDULED, due_at, due_at, None),
            phone=callback.phone,
            customer_zone=callback.customer_time_zone,
            now=now,
            answer_rates=answer_rates,
        )
        if better is not None and better.plan.due_at is not None:
            due_at, moved = better.plan.due_at, f" ({better.reason})"
    callback.due_at = callback.desired_time = due_at
    callback.queued_at = None
    change_state(
        session,
        callback,
        CallbackEvent.RETRY,
        actor=agent.login,
        now=now,
        reason=f"{callback.last_result}: next attempt at {due_at.isoformat()}{moved}",
    )
