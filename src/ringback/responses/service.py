"""Standard response use cases, and applying the library from the configuration file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.config import repository as config_repository
from ringback.config.schema import ResponseConfig
from ringback.contacts.normalise import fold
from ringback.errors import not_found
from ringback.responses import repository
from ringback.responses.models import StandardResponse, StandardResponseService
from ringback.responses.rendering import render_response

MAX_PAGE = 100


@dataclass(frozen=True)
class ResponseSearch:
    responses: Sequence[StandardResponse]
    next_offset: int | None


async def list_categories(
    session: AsyncSession, *, service: str | None = None
) -> list[tuple[str, int]]:
    """The categories (with how many responses each holds) offered on a service, or on any."""
    return await repository.categories(session, service_id=await _service_id(session, service))


async def search_responses(
    session: AsyncSession,
    *,
    query: str = "",
    service: str | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ResponseSearch:
    """Responses whose title, category or text contain every word of ``query`` (any case, any
    accents), offered on ``service`` when given; in the library's order."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    found = await repository.search(
        session,
        terms=fold(query).split(),
        service_id=await _service_id(session, service),
        category=category,
        limit=limit + 1,
        offset=offset,
    )
    more = len(found) > limit
    return ResponseSearch(found[:limit], offset + limit if more else None)


async def get_response(session: AsyncSession, *, code: str) -> StandardResponse:
    response = await repository.by_code(session, code)
    if response is None:
        raise not_found("response-not-found", f"there is no standard response {code!r}")
    return response


async def render_standard_response(
    session: AsyncSession, *, code: str, fields: Mapping[str, str | None]
) -> tuple[StandardResponse, str]:
    """A response and its text with ``fields`` filled in (see rendering.render_response)."""
    response = await get_response(session, code=code)
    return response, render_response(response.text, fields)


async def apply_responses(
    session: AsyncSession, *, responses: Sequence[ResponseConfig], now: datetime
) -> None:
    """Make the stored library equal to the file's; removed responses are retired, not lost.

    Runs after the services were applied: the references were checked against the same file.
    """
    await session.flush()  # services new in this file get their ids
    service_ids = {row.name: row.id for row in await config_repository.all_service_rows(session)}
    stored = {row.code: row for row in await repository.all_responses(session)}
    for position, response in enumerate(responses):
        wanted = [service_ids[name] for name in response.services]
        row = stored.get(response.code)
        if row is None:
            row = StandardResponse(code=response.code, service_links=[])
            session.add(row)
            stored[response.code] = row
        content = (response.category, response.title, response.text)
        current = [link.service_id for link in row.service_links]
        if (row.category, row.title, row.text) != content or current != wanted or not row.active:
            row.category, row.title, row.text = content
            row.search_key = fold("\n".join((response.title, response.category, response.text)))
            row.updated_at = now
            if current != wanted:
                # Old links go first: a new one may take the same (response, service) key.
                row.service_links.clear()
                await session.flush()
                row.service_links.extend(
                    StandardResponseService(service_id=service_id, position=index)
                    for index, service_id in enumerate(wanted)
                )
        row.position, row.active = position, True
    codes = {response.code for response in responses}
    for code, row in stored.items():
        if code not in codes and row.active:
            row.active, row.updated_at = False, now
    await session.flush()


async def export_responses(session: AsyncSession) -> list[ResponseConfig]:
    """The active library as the configuration file writes it."""
    return [
        ResponseConfig(
            code=row.code,
            category=row.category,
            title=row.title,
            text=row.text,
            services=row.services,
        )
        for row in await repository.all_responses(session)
        if row.active
    ]


async def _service_id(session: AsyncSession, name: str | None) -> int | None:
    if name is None:
        return None
    service = await config_repository.service_by_name(session, name)
    if service is None:
        raise not_found("service-not-found", f"there is no callback service named {name!r}")
    return service.id
