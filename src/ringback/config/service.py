"""Applying a configuration document to the database, and reading it back out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import service as agents
from ringback.callbacks import repository as callback_repository
from ringback.config import repository
from ringback.config.models import (
    ConfigSectionRow,
    DispositionCodeRow,
    NotReadyReasonRow,
    QueueRow,
    RoutingPointRow,
    ServiceRow,
)
from ringback.config.schema import (
    DispositionConfig,
    NotReadyReasonConfig,
    QueueConfig,
    RingbackConfig,
    RoutingPointConfig,
    ServiceConfig,
)
from ringback.errors import conflict
from ringback.responses import service as responses
from ringback.telephony.sim.script import SimulatorScript
from ringback.webhooks import service as webhooks


async def apply_config(session: AsyncSession, *, config: RingbackConfig, now: datetime) -> None:
    """Make the stored configuration equal to ``config``; removed entries are retired, not lost."""
    queue_ids = await _apply_queues(session, config.queues, now)
    await _apply_services(session, config.services, queue_ids, now)
    await _apply_dispositions(session, config.dispositions)
    await _apply_reasons(session, config.not_ready_reasons)
    await responses.apply_responses(session, responses=config.responses, now=now)
    await agents.apply_agents(session, agents=config.agents, now=now)
    await _apply_routing_points(session, config.routing_points)
    await _apply_section(session, "simulated_switch", config.simulated_switch, now)
    await webhooks.apply_endpoints(session, endpoints=config.webhooks, now=now)


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
        responses=await responses.export_responses(session),
        agents=await agents.export_agents(session),
        routing_points=[
            RoutingPointConfig(name=p.name, description=p.description)
            for p in await repository.all_routing_points(session)
            if p.active
        ],
        simulated_switch=await simulator_script(session),
        webhooks=await webhooks.export_endpoints(session),
    )


async def simulator_script(session: AsyncSession) -> SimulatorScript | None:
    """The stored script of the simulated switch, if the configuration has one."""
    row = await repository.section(session, "simulated_switch")
    return SimulatorScript.model_validate(row.document) if row and row.document else None


async def _apply_section(
    session: AsyncSession, name: str, section: BaseModel | None, now: datetime
) -> None:
    document = section.model_dump(mode="json") if section is not None else {}
    row = await repository.section(session, name)
    if row is None:
        session.add(ConfigSectionRow(name=name, document=document, updated_at=now))
    elif row.document != document:
        row.document, row.updated_at = document, now


async def _apply_routing_points(session: AsyncSession, points: list[RoutingPointConfig]) -> None:
    stored = {row.name: row for row in await repository.all_routing_points(session)}
    for row in stored.values():
        row.active = False
    for position, point in enumerate(points):
        row = stored.get(point.name) or RoutingPointRow(name=point.name)
        row.description, row.position, row.active = point.description, position, True
        session.add(row)


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
