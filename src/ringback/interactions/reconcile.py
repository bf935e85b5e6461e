"""After a restart: interactions whose call the switch no longer holds end their call, and
nobody is dialled again by the system (the agent may choose to Call)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.interactions import repository, switch_events
from ringback.interactions.models import Interaction
from ringback.interactions.states import ON_CALL_STATES
from ringback.telephony.switch import CallState, CallStateChanged, DialCompleted, DialResult


async def reconcile(
    session: AsyncSession,
    *,
    known_calls: set[str],
    now: datetime,
    changed_before: datetime | None = None,
) -> int:
    """Settle every on-call interaction the switch does not know; returns how many.

    With ``changed_before``, only interactions unchanged since then: a call placed after a
    shared switch restarted is not in the list of calls read a moment before, yet not lost.
    """
    lost = [
        i
        for i in await repository.on_calls(session, list(ON_CALL_STATES))
        if i.call_id
        and i.call_id not in known_calls
        and (changed_before is None or i.updated_at < changed_before)
    ]
    for interaction in lost:
        await _settle(session, interaction, now)
    return len(lost)


async def settle_call(session: AsyncSession, *, call_id: str, now: datetime) -> bool:
    """The switch does not know ``call_id`` (it refused a request for it): end its call as
    lost, if its interaction is still on it; True when it was."""
    interaction = await repository.by_call(session, call_id)
    if interaction is None or interaction.state not in ON_CALL_STATES:
        return False
    await _settle(session, interaction, now)
    return True


async def _settle(session: AsyncSession, interaction: Interaction, now: datetime) -> None:
    assert interaction.call_id is not None
    if interaction.last_result is None:
        await switch_events.apply(
            session,
            DialCompleted(call_id=interaction.call_id, at=now, result=DialResult.NETWORK_ERROR),
            now=now,
        )
    await switch_events.apply(
        session,
        CallStateChanged(
            call_id=interaction.call_id, at=now, state=CallState.RELEASED, cause="lost"
        ),
        now=now,
    )
