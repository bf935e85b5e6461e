"""Every SQL statement of the inbound-call use case."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.interactions.models import Interaction
from ringback.interactions.states import FINAL_STATES


async def open_interactions(session: AsyncSession, callback_id: uuid.UUID) -> Sequence[Interaction]:
    """The agents' interactions still open on a callback, locked (after the callback, as a
    cancel locks them)."""
    return (
        await session.scalars(
            select(Interaction)
            .where(Interaction.callback_id == callback_id, Interaction.state.not_in(FINAL_STATES))
            .order_by(Interaction.created_at, Interaction.id)
            .with_for_update()
        )
    ).all()
