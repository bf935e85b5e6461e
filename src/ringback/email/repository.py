"""Every SQL statement about outgoing e-mail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks.models import CallbackHistory
from ringback.callbacks.states import CallbackEvent
from ringback.email.models import EmailKind, EmailMessage
from ringback.email.states import EmailState


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


async def waiting_for_callback(
    session: AsyncSession, callback_id: uuid.UUID, *, kind: EmailKind
) -> Sequence[EmailMessage]:
    """A callback's messages of one kind not sent yet, locked."""
    return (
        await session.scalars(
            select(EmailMessage)
            .where(
                EmailMessage.callback_id == callback_id,
                EmailMessage.kind == kind,
                EmailMessage.state == EmailState.QUEUED,
            )
            .with_for_update()
        )
    ).all()


async def for_callback(session: AsyncSession, callback_id: uuid.UUID) -> Sequence[EmailMessage]:
    """The automatic e-mails about a callback, oldest first."""
    return (
        await session.scalars(
            select(EmailMessage)
            .where(EmailMessage.callback_id == callback_id)
            .order_by(EmailMessage.created_at, EmailMessage.id)
        )
    ).all()


async def times_moved(session: AsyncSession, callback_id: uuid.UUID, *, until: datetime) -> int:
    """How many times a callback was rescheduled up to ``until`` (its invitation's SEQUENCE)."""
    counted = await session.scalar(
        select(func.count())
        .select_from(CallbackHistory)
        .where(
            CallbackHistory.callback_id == callback_id,
            CallbackHistory.event == CallbackEvent.RESCHEDULE,
            CallbackHistory.at <= until,
        )
    )
    return int(counted or 0)
