"""After a restart: interactions whose call the switch no longer holds end their call, and
nobody is dialled again by the system (the agent may choose to Call)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.interactions import repository, switch_events
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
    return len(lost)
