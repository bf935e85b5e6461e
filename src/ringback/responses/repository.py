"""Every SQL statement about standard responses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ringback.responses.models import StandardResponse, StandardResponseService

_LOAD_SERVICES = selectinload(StandardResponse.service_links).selectinload(
    StandardResponseService.service
)


def _offered_on(service_id: int | None) -> ColumnElement[bool]:
    """Active, and either open to every service or listed for this one."""
    if service_id is None:
        return StandardResponse.active.is_(True)
    links = StandardResponseService.response_id == StandardResponse.id
    return StandardResponse.active.is_(True) & or_(
        not_(exists().where(links)),
        exists().where(links, StandardResponseService.service_id == service_id),
    )


async def all_responses(session: AsyncSession) -> Sequence[StandardResponse]:
    """Active and retired, with their service links (for applying the configuration)."""
    return (
        await session.scalars(
            select(StandardResponse)
            .options(_LOAD_SERVICES)
            .order_by(StandardResponse.position, StandardResponse.code)
            .execution_options(populate_existing=True)
        )
    ).all()


async def by_code(session: AsyncSession, code: str) -> StandardResponse | None:
    return (
        await session.scalars(
            select(StandardResponse)
            .where(StandardResponse.code == code, StandardResponse.active.is_(True))
            .options(_LOAD_SERVICES)
        )
    ).first()


async def search(
    session: AsyncSession,
    *,
    terms: Sequence[str],
    service_id: int | None,
    category: str | None,
    limit: int,
    offset: int,
) -> Sequence[StandardResponse]:
    """Responses containing every (folded) term, in the library's order."""
    query = select(StandardResponse).where(_offered_on(service_id))
    for term in terms:
        query = query.where(StandardResponse.search_key.contains(term, autoescape=True))
    if category is not None:
        query = query.where(StandardResponse.category == category)
    query = (
        query.order_by(StandardResponse.position, StandardResponse.code)
        .options(_LOAD_SERVICES)
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


async def categories(session: AsyncSession, *, service_id: int | None) -> list[tuple[str, int]]:
    """Each category with its number of responses, in the order the library first uses them."""
    rows = await session.execute(
        select(StandardResponse.category, func.count())
        .where(_offered_on(service_id))
        .group_by(StandardResponse.category)
        .order_by(func.min(StandardResponse.position), StandardResponse.category)
    )
    return [(category, count) for category, count in rows]
