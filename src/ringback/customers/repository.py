"""The customers domain's statements: the shared signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.customers.models import SigningKey
from ringback.db import upsert


async def signing_key(session: AsyncSession, name: str) -> str | None:
    return await session.scalar(select(SigningKey.secret).where(SigningKey.name == name))


async def add_signing_key(session: AsyncSession, *, name: str, secret: str, now: datetime) -> None:
    """Store ``secret`` under ``name`` unless another node stored one first (theirs stays)."""
    insert = upsert(session)
    await session.execute(
        insert(SigningKey)
        .values(name=name, secret=secret, created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
