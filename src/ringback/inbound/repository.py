"""Every SQL statement of the inbound-call use case."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks.models import Callback
from ringback.callbacks.states import ACTIVE_STATES


async def active_callbacks(
    session: AsyncSession, *, service_id: int, phone: str
) -> Sequence[Callback]:
    """A number's active callbacks on a service, oldest first, locked for the change."""
    return (
        await session.scalars(
            select(Callback)
            .where(
                Callback.phone == phone,
                Callback.service_id == service_id,
                Callback.state.in_(ACTIVE_STATES),
            )
            .order_by(Callback.created_at, Callback.id)
            .with_for_update()
        )
    ).all()
