"""Every SQL statement about outgoing e-mail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.email.models import EmailMessage


async def get(
    session: AsyncSession, email_id: uuid.UUID, *, for_update: bool = False
) -> EmailMessage | None:
    query = select(EmailMessage).where(EmailMessage.id == email_id)
    if for_update:
        # Fresh from the database: the row may have been sent since this session last read it.
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def for_contacts(
    session: AsyncSession, contact_ids: Sequence[uuid.UUID], *, limit: int
) -> Sequence[EmailMessage]:
    """Newest first."""
    return (
        await session.scalars(
            select(EmailMessage)
            .where(EmailMessage.contact_id.in_(contact_ids))
            .order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc())
            .limit(limit)
        )
    ).all()


async def due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[EmailMessage]:
    """Messages waiting for an attempt whose time has come, locked; others' rows are skipped."""
    return (
        await session.scalars(
            select(EmailMessage)
            .where(EmailMessage.next_attempt_at.is_not(None), EmailMessage.next_attempt_at <= now)
            .order_by(EmailMessage.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
