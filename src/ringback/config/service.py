"""Applying a configuration document to the database, and reading it back out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks import repository as callback_repository
from ringback.config import repository
from ringback.config.models import DispositionCodeRow, NotReadyReasonRow, QueueRow, ServiceRow
from ringback.config.schema import (
    DispositionConfig,
    NotReadyReasonConfig,
    QueueConfig,
    RingbackConfig,
    ServiceConfig,
)
from ringback.errors import conflict


async def apply_config(session: AsyncSession, *, config: RingbackConfig, now: datetime) -> None:
    """Make the stored configuration equal to ``config``; removed entries are retired, not lost."""
    queue_ids = await _apply_queues(session, config.queues, now)
    await _apply_services(session, config.services, queue_ids, now)
    await _apply_dispositions(session, config.dispositions)
    await _apply_reasons(session, config.not_ready_reasons)


async def export_config(session: AsyncSession) -> RingbackConfig:
    queues = [
        QueueConfig.model_validate({"name": q.name, **q.settings})
        for q in await repository.all_queues(session)
        if q.active
    ]
    services = [s.config for s in await repository.active_services(session)]
    rows = [row for row in await repository.all_dispositions(session) if row.active]
    reasons = [
        NotReadyReasonConfig(code=r.code, label=r.label)
        for r in await repository.all_not_ready_reasons(session)
        if r.active
    ]
    return RingbackConfig(
        queues=queues,
        services=services,
        dispositions=_tree(rows, None),
        not_ready_reasons=reasons,
    )


async def _apply_queues(
    session: AsyncSession, queues: list[QueueConfig], now: datetime
) -> dict[str, int]:
    stored = {row.name: row for row in await repository.all_queues(session)}
    for position, queue in enumerate(queues):
        settings = queue.model_dump(mode="json", exclude={"name"})
        row = stored.get(queue.name)
        if row is None:
            row = QueueRow(name=queue.name, settings=settings, updated_at=now)
            session.add(row)
            stored[queue.name] = row
        elif row.settings != settings or not row.active:
            row.settings, row.active, row.updated_at = settings, True, now
        row.position, row.active = position, True
    wanted = {queue.name for queue in queues}
    for name, row in stored.items():
        if name not in wanted and row.active:
            row.active, row.updated_at = False, now
    await session.flush()
    return {name: row.id for name, row in stored.items()}


async def _apply_services(
    session: AsyncSession, services: list[ServiceConfig], queue_ids: dict[str, int], now: datetime
) -> None:
    stored = {row.name: row for row in await repository.all_service_rows(session)}
    for position, service in enumerate(services):
        settings = service.model_dump(mode="json")
        queue_id = queue_ids[service.queue]
        row = stored.get(service.name)
        if row is None:
            row = ServiceRow(
                name=service.name, queue_id=queue_id, settings=settings, updated_at=now
            )
            session.add(row)
        elif row.settings != settings or row.queue_id != queue_id or not row.active:
            # updated_at only moves on a real change: it keys the parsed-settings cache.
            row.settings, row.queue_id, row.updated_at = settings, queue_id, now
        row.position, row.active = position, True
    wanted = {service.name for service in services}
    for name, row in stored.items():
        if name in wanted or not row.active:
            continue
        active = await callback_repository.count_active_for_service(session, row.id)
        if active:
            raise conflict(
                "service-in-use",
                f"service {name} is not in the file but still has {active} active callbacks; "
                "keep it until they are handled or cancelled",
            )
        row.active, row.updated_at = False, now


async def _apply_dispositions(session: AsyncSession, roots: list[DispositionConfig]) -> None:
    stored = {row.code: row for row in await repository.all_dispositions(session)}
    await session.execute(update(DispositionCodeRow).values(active=False))
    position = 0

    def walk(node: DispositionConfig, parent: str | None) -> None:
        nonlocal position
        position += 1
        row = stored.get(node.code)
        if row is None:
            row = DispositionCodeRow(code=node.code)
            session.add(row)
        row.label, row.parent_code, row.position, row.active = node.label, parent, position, True
        for child in node.children:
            walk(child, node.code)

    for root in roots:
        walk(root, None)


async def _apply_reasons(session: AsyncSession, reasons: list[NotReadyReasonConfig]) -> None:
    stored = {row.code: row for row in await repository.all_not_ready_reasons(session)}
    await session.execute(update(NotReadyReasonRow).values(active=False))
    for position, reason in enumerate(reasons, start=1):
        row = stored.get(reason.code) or NotReadyReasonRow(code=reason.code)
        row.label, row.position, row.active = reason.label, position, True
        session.add(row)


def _tree(rows: list[DispositionCodeRow], parent: str | None) -> list[DispositionConfig]:
    children: list[Any] = [row for row in rows if row.parent_code == parent]
    return [
        DispositionConfig(code=row.code, label=row.label, children=_tree(rows, row.code))
        for row in children
    ]
