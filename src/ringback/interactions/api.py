"""Workspace API: the agent's interactions and every action on them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.email.schemas import EmailRead
from ringback.interactions import calls, offers, repository, wrapup
from ringback.interactions.common import Handling, load, with_context
from ringback.interactions.schemas import (
    DispositionBody,
    DtmfBody,
    EmailBody,
    HistoryRead,
    InteractionRead,
    NoteBody,
    RescheduleBody,
    TargetBody,
    interaction_read,
)
from ringback.interactions.states import Action
from ringback.reports.answer_rates import ANSWER_RATES
from ringback.runtime import Runtime, RuntimeDep
from ringback.workspace.auth import CurrentAgent

router = APIRouter(prefix="/api/v1/workspace/interactions", tags=["workspace"])


def _read(handling: Handling) -> InteractionRead:
    return interaction_read(
        handling.interaction, handling.callback, handling.service, handling.handover
    )


async def _act(
    runtime: Runtime, use_case: Callable[[AsyncSession], Awaitable[Handling]]
) -> InteractionRead:
    async with runtime.db.transaction() as session:
        handling = await use_case(session)
    return _read(handling)


@router.get("", response_model=list[InteractionRead])
async def my_interactions(me: CurrentAgent, runtime: RuntimeDep) -> list[InteractionRead]:
    """What is on my desk now: offers and interactions not yet done."""
    async with runtime.db.transaction() as session:
        rows = await repository.for_agent(session, me.agent.id, open_only=True)
        return [_read(await with_context(session, row, lock_callback=False)) for row in rows]


@router.get("/history", response_model=list[InteractionRead])
async def my_history(me: CurrentAgent, runtime: RuntimeDep) -> list[InteractionRead]:
    """My History: interactions I marked done, newest first."""
    async with runtime.db.transaction() as session:
        rows = await repository.for_agent(session, me.agent.id, open_only=False)
        return [_read(await with_context(session, row, lock_callback=False)) for row in rows]


@router.get("/{interaction_id}", response_model=InteractionRead)
async def get_interaction(
    interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    async with runtime.db.transaction() as session:
        return _read(await load(session, interaction_id, agent=me.agent, write=False))


@router.get("/{interaction_id}/history", response_model=list[HistoryRead])
async def case_history(
    interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
) -> list[HistoryRead]:
    """The case history: offers, calls, DTMF digits, notes, dispositions, in order. A call a
    colleague handed over (a transfer, a conference) brings the colleague's history with it."""
    async with runtime.db.transaction() as session:
        handling = await load(session, interaction_id, agent=me.agent, write=False)
        chain = await repository.handed_over_from(session, handling.interaction)
        rows = await repository.history_of(session, [i.id for i in chain])
        names = await repository.agent_names(session, {r.actor for r in rows})
    return [
        HistoryRead(
            at=r.at,
            actor=r.actor,
            actor_name=names.get(r.actor),
            kind=r.kind,
            detail=r.detail,
            interaction_id=r.interaction_id,
        )
        for r in rows
    ]


def _now(runtime: Runtime) -> datetime:
    return runtime.clock.now()


@router.post("/{interaction_id}/accept", response_model=InteractionRead)
async def accept(
    interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    """Accept the offer; voice callbacks are dialled at once, previewed ones wait for Call."""
    return await _act(
        runtime,
        lambda s: offers.accept(
            s, interaction_id=interaction_id, agent=me.agent, now=_now(runtime)
        ),
    )


@router.post("/{interaction_id}/reject", response_model=InteractionRead)
async def reject(
    interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    """Reject the offer: the callback goes back to routing (not to me again for a while)."""
    return await _act(
        runtime,
        lambda s: offers.reject(
            s, interaction_id=interaction_id, agent=me.agent, now=_now(runtime)
        ),
    )


@router.post("/{interaction_id}/call", response_model=InteractionRead)
async def call(interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep) -> InteractionRead:
    """Call the customer (from the preview, or again after a call ended)."""
    return await _act(
        runtime,
        lambda s: calls.call(s, interaction_id=interaction_id, agent=me.agent, now=_now(runtime)),
    )


def _simple(action: Action, summary: str) -> None:
    async def endpoint(
        interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
    ) -> InteractionRead:
        return await _act(
            runtime,
            lambda s: calls.simple(
                s, interaction_id=interaction_id, agent=me.agent, action=action, now=_now(runtime)
            ),
        )

    endpoint.__name__ = str(action)
    router.post(
        f"/{{interaction_id}}/{str(action).replace('_', '-')}",
        response_model=InteractionRead,
        summary=summary,
    )(endpoint)


_simple(Action.END_CALL, "End Call")
_simple(Action.HOLD, "Hold")
_simple(Action.RESUME, "Resume")


def _instant(action: Action, summary: str) -> None:
    async def endpoint(
        interaction_id: uuid.UUID, body: TargetBody, me: CurrentAgent, runtime: RuntimeDep
    ) -> InteractionRead:
        return await _act(
            runtime,
            lambda s: calls.instant(
                s,
                interaction_id=interaction_id,
                agent=me.agent,
                action=action,
                target=body.target,
                now=_now(runtime),
                reason=body.reason,
            ),
        )

    endpoint.__name__ = str(action)
    router.post(f"/{{interaction_id}}/{action}", response_model=InteractionRead, summary=summary)(
        endpoint
    )


_instant(Action.TRANSFER, "Instant Call Transfer to a Team Communicator target")
_instant(Action.CONFERENCE, "Instant Call Conference with a Team Communicator target")


@router.post("/{interaction_id}/dtmf", response_model=InteractionRead)
async def send_dtmf(
    interaction_id: uuid.UUID, body: DtmfBody, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    """Send DTMF digits; they are written to the case history when the switch has sent them."""
    return await _act(
        runtime,
        lambda s: calls.send_dtmf(
            s, interaction_id=interaction_id, agent=me.agent, digits=body.digits, now=_now(runtime)
        ),
    )


@router.post("/{interaction_id}/consultation", response_model=InteractionRead)
async def start_consultation(
    interaction_id: uuid.UUID, body: TargetBody, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    """Start Consultation with an internal target or a number; the customer waits on hold."""

    return await _act(
        runtime,
        lambda s: calls.start_consultation(
            s,
            interaction_id=interaction_id,
            agent=me.agent,
            target=body.target,
            now=_now(runtime),
            reason=body.reason,
        ),
    )


def _consultation(how: str, summary: str) -> None:
    async def endpoint(
        interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
    ) -> InteractionRead:
        return await _act(
            runtime,
            lambda s: calls.finish_consultation(
                s, interaction_id=interaction_id, agent=me.agent, how=how, now=_now(runtime)
            ),
        )

    endpoint.__name__ = how
    path = how.removesuffix("_consultation").replace("_", "-")
    router.post(
        f"/{{interaction_id}}/consultation/{path}", response_model=InteractionRead, summary=summary
    )(endpoint)


_consultation("end_consultation", "End the consultation and go back to the customer")
_consultation("complete_transfer", "Complete the consultation as a transfer")
_consultation("complete_conference", "Complete the consultation as a conference")


@router.post("/{interaction_id}/reschedule", response_model=InteractionRead)
async def reschedule(
    interaction_id: uuid.UUID, body: RescheduleBody, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    """Reschedule a Callback (Schedule a Callback on web callbacks), optionally for me only."""
    return await _act(
        runtime,
        lambda s: wrapup.reschedule(
            s,
            interaction_id=interaction_id,
            agent=me.agent,
            desired_time=body.desired_time,
            personal=body.personal,
            now=_now(runtime),
        ),
    )


@router.post("/{interaction_id}/note", response_model=InteractionRead)
async def add_note(
    interaction_id: uuid.UUID, body: NoteBody, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    return await _act(
        runtime,
        lambda s: wrapup.add_note(
            s, interaction_id=interaction_id, agent=me.agent, text=body.text, now=_now(runtime)
        ),
    )


@router.put("/{interaction_id}/disposition", response_model=InteractionRead)
async def set_disposition(
    interaction_id: uuid.UUID, body: DispositionBody, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    return await _act(
        runtime,
        lambda s: wrapup.set_disposition(
            s, interaction_id=interaction_id, agent=me.agent, code=body.code, now=_now(runtime)
        ),
    )


@router.post("/{interaction_id}/email", status_code=201, response_model=EmailRead)
async def email_contact(
    interaction_id: uuid.UUID, body: EmailBody, me: CurrentAgent, runtime: RuntimeDep
) -> EmailRead:
    """Party Action Menu: an e-mail to the contact, sent through the SMTP relay after commit."""
    async with runtime.db.transaction() as session:
        message = await wrapup.email_contact(
            session,
            interaction_id=interaction_id,
            agent=me.agent,
            to=body.to,
            subject=body.subject,
            body=body.body,
            now=_now(runtime),
        )
        return EmailRead.model_validate(message)


@router.post("/{interaction_id}/done", response_model=InteractionRead)
async def mark_done(
    interaction_id: uuid.UUID, me: CurrentAgent, runtime: RuntimeDep
) -> InteractionRead:
    """Mark Done (Done on web callbacks): refused while a required disposition is missing."""
    return await _act(
        runtime,
        lambda s: wrapup.mark_done(
            s,
            interaction_id=interaction_id,
            agent=me.agent,
            now=_now(runtime),
            answer_rates=ANSWER_RATES,
        ),
    )
