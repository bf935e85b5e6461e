"""Callback API v1: what web pages, mobile apps and IVRs call."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response

from ringback.auth import ApiUnit
from ringback.callbacks import repository, service
from ringback.callbacks.phones import normalise_phone
from ringback.callbacks.queue_load import RecentLoads
from ringback.callbacks.recent_services import RecentServices
from ringback.callbacks.schemas import (
    CallbackCancel,
    CallbackCreate,
    CallbackPage,
    CallbackRead,
    CallbackReschedule,
    HistoryEntry,
    PositionRead,
    callback_read,
)
from ringback.callbacks.states import CallbackState
from ringback.config import repository as config_repository
from ringback.customers.answers import CustomerLinksDep
from ringback.errors import invalid
from ringback.reports.answer_rates import ANSWER_RATES
from ringback.runtime import RuntimeDep

router = APIRouter(prefix="/api/v1/callbacks", tags=["callbacks"])
# Intake reads its service at most once a second per service (recent_services.py).
RECENT_SERVICES = RecentServices()
# A queue's agents and handle time, for the position endpoint, at most once a second per service.
RECENT_LOADS = RecentLoads()


@router.post("", status_code=201, response_model=CallbackRead)
async def create_callback(
    request: CallbackCreate,
    api: ApiUnit,
    runtime: RuntimeDep,
    response: Response,
    links: CustomerLinksDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=r"^[!-~]+$",
            description="Retries with the same key and body return the same callback. "
            "1 to 255 visible ASCII characters (a UUID is a good choice).",
        ),
    ] = None,
) -> CallbackRead:
    """Ask for a callback. 201 when created; 200 when an earlier callback is returned instead."""
    settings = runtime.settings
    result = await service.create_callback(
        api.session,
        request=request,
        caller=api.caller,
        now=runtime.clock.now(),
        idempotency_key=idempotency_key,
        phone_budget=service.PhoneBudget(
            settings.rate_limit_per_phone_per_hour, timedelta(hours=1)
        ),
        recent_services=RECENT_SERVICES,
        answer_rates=ANSWER_RATES,
    )
    response.headers["Location"] = f"/api/v1/callbacks/{result.callback.id}"
    if not result.created:
        response.status_code = 200
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
    else:
        runtime.metrics.callbacks_created.labels(
            service=result.service.name, type=request.type
        ).inc()
    return callback_read(result.callback, result.service, links)


@router.get("", response_model=CallbackPage)
async def list_callbacks(
    api: ApiUnit,
    links: CustomerLinksDep,
    phone: Annotated[str | None, Query(description="E.164, or national with `service`.")] = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    state: CallbackState | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CallbackPage:
    """Callbacks the key may see, newest first."""
    if service_name is not None:
        one = await service.service_for(api.session, name=service_name, caller=api.caller)
        services = {one.id: one}
    else:
        services = {
            s.id: s
            for s in await config_repository.active_services(api.session)
            if api.caller.may_use(s.name)
        }
    region = next(iter(services.values())).config.default_region if service_name else "ZZ"
    rows = await repository.page(
        api.session,
        # A key for every service also sees callbacks of services retired since.
        service_ids=None if api.caller.services is None and not service_name else list(services),
        phone=normalise_phone(phone, region) if phone else None,
        state=state,
        after=_decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    missing = {row.service_id for row in rows} - services.keys()
    for service_id in missing:  # retired services still show their callbacks
        services[service_id] = await config_repository.service_by_id(api.session, service_id)
    items = [callback_read(row, services[row.service_id], links) for row in rows[:limit]]
    next_cursor = (
        _encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id)
        if len(rows) > limit
        else None
    )
    return CallbackPage(items=items, next_cursor=next_cursor)


@router.get("/{callback_id}", response_model=CallbackRead)
async def get_callback(
    callback_id: uuid.UUID, api: ApiUnit, links: CustomerLinksDep
) -> CallbackRead:
    callback, found_in = await service.get_callback(
        api.session, callback_id=callback_id, caller=api.caller
    )
    return callback_read(callback, found_in, links)


@router.post("/{callback_id}/cancel", response_model=CallbackRead)
async def cancel_callback(
    callback_id: uuid.UUID,
    api: ApiUnit,
    runtime: RuntimeDep,
    links: CustomerLinksDep,
    body: Annotated[CallbackCancel | None, Body()] = None,
) -> CallbackRead:
    """Cancel a callback that has not been handled yet; its slot is freed."""
    callback, found_in = await service.cancel_callback(
        api.session,
        callback_id=callback_id,
        caller=api.caller,
        now=runtime.clock.now(),
        reason=body.reason if body else None,
    )
    return callback_read(callback, found_in, links)


@router.post("/{callback_id}/reschedule", response_model=CallbackRead)
async def reschedule_callback(
    callback_id: uuid.UUID,
    body: CallbackReschedule,
    api: ApiUnit,
    runtime: RuntimeDep,
    links: CustomerLinksDep,
) -> CallbackRead:
    """Move a waiting callback to another time, checked like a new request of its type."""
    callback, found_in = await service.reschedule_callback(
        api.session,
        callback_id=callback_id,
        desired_time=body.desired_time,
        caller=api.caller,
        now=runtime.clock.now(),
    )
    return callback_read(callback, found_in, links)


@router.get("/{callback_id}/history", response_model=list[HistoryEntry])
async def callback_history(callback_id: uuid.UUID, api: ApiUnit) -> list[HistoryEntry]:
    """Every state change, oldest first."""
    entries = await service.history(api.session, callback_id=callback_id, caller=api.caller)
    return [HistoryEntry.model_validate(entry, from_attributes=True) for entry in entries]


@router.get("/{callback_id}/position", response_model=PositionRead)
async def callback_position(
    callback_id: uuid.UUID, api: ApiUnit, runtime: RuntimeDep
) -> PositionRead:
    """Place in the queue and the expected wait."""
    found = await service.position(
        api.session,
        callback_id=callback_id,
        caller=api.caller,
        now=runtime.clock.now(),
        recent_loads=RECENT_LOADS,
    )
    return PositionRead(
        id=found.callback.id,
        state=found.callback.state,
        queue=found.service.queue,
        position=found.ahead + 1 if found.ahead is not None else None,
        ahead=found.ahead,
        estimated_wait_seconds=_seconds(found.estimated_wait),
        estimated_wait_p90_seconds=_seconds(found.estimated_wait_p90),
        estimated_time=found.estimated_time,
        method=found.method,
    )


def _seconds(wait: timedelta | None) -> int | None:
    return round(wait.total_seconds()) if wait is not None else None


def _encode_cursor(created_at: datetime, callback_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{callback_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, callback_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        after = datetime.fromisoformat(created_at)
        if after.tzinfo is None:
            raise ValueError("cursor without a UTC offset")
        return after.astimezone(UTC), uuid.UUID(callback_id)
    except (ValueError, OverflowError):  # OverflowError: a time outside the years 1-9999 in UTC
        raise invalid(
            "invalid-cursor", "the cursor is not one this API returned", field="cursor"
        ) from None
