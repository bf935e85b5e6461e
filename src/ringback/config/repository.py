"""SQL for configuration tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.config.models import (
    ConfigSectionRow,
    DispositionCodeRow,
    NotReadyReasonRow,
    QueueRow,
    RoutingPointRow,
    ServiceRow,
)
from ringback.config.schema import ServiceConfig


@dataclass(frozen=True)
class Service:
    """A callback service as stored: its ids and its validated settings."""

    id: int
    queue_id: int
    queue: str
    config: ServiceConfig

    @property
    def name(self) -> str:
        return self.config.name


@lru_cache(maxsize=256)
def _parse(service_id: int, updated_at: datetime, settings_json: str) -> ServiceConfig:
    # Keyed on the stored content, so a change applied by any node is seen at the next read.
    return ServiceConfig.model_validate_json(settings_json)


def _service(row: ServiceRow, queue: QueueRow) -> Service:
    settings_json = json.dumps(row.settings, sort_keys=True)
    return Service(row.id, queue.id, queue.name, _parse(row.id, row.updated_at, settings_json))


async def service_by_name(session: AsyncSession, name: str) -> Service | None:
    found = (
        await session.execute(
            select(ServiceRow, QueueRow)
            .join(QueueRow, ServiceRow.queue_id == QueueRow.id)
            .where(ServiceRow.name == name, ServiceRow.active)
        )
    ).first()
    return _service(*found) if found else None


async def service_by_id(session: AsyncSession, service_id: int) -> Service:
    row, queue = (
        await session.execute(
            select(ServiceRow, QueueRow)
            .join(QueueRow, ServiceRow.queue_id == QueueRow.id)
            .where(ServiceRow.id == service_id)
        )
    ).one()
    return _service(row, queue)


async def active_services(session: AsyncSession) -> list[Service]:
    rows = await session.execute(
        select(ServiceRow, QueueRow)
        .join(QueueRow, ServiceRow.queue_id == QueueRow.id)
        .where(ServiceRow.active)
        .order_by(ServiceRow.position, ServiceRow.name)
    )
    return [_service(row, queue) for row, queue in rows]


async def all_queues(session: AsyncSession) -> Sequence[QueueRow]:
    return (
        await session.scalars(select(QueueRow).order_by(QueueRow.position, QueueRow.name))
    ).all()


async def all_service_rows(session: AsyncSession) -> Sequence[ServiceRow]:
    return (await session.scalars(select(ServiceRow).order_by(ServiceRow.name))).all()


async def all_dispositions(session: AsyncSession) -> Sequence[DispositionCodeRow]:
    return (
        await session.scalars(select(DispositionCodeRow).order_by(DispositionCodeRow.position))
    ).all()


async def all_not_ready_reasons(session: AsyncSession) -> Sequence[NotReadyReasonRow]:
    return (
        await session.scalars(select(NotReadyReasonRow).order_by(NotReadyReasonRow.position))
    ).all()


async def all_routing_points(session: AsyncSession) -> Sequence[RoutingPointRow]:
    return (
        await session.scalars(
            select(RoutingPointRow).order_by(RoutingPointRow.position, RoutingPointRow.name)
        )
    ).all()


async def section(session: AsyncSession, name: str) -> ConfigSectionRow | None:
    return await session.get(ConfigSectionRow, name)
