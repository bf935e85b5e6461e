"""Webhooks API: an API key's endpoints, their delivery log and redelivery; and, for
supervisors, every endpoint with its health."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ringback.auth import ApiUnit
from ringback.errors import invalid
from ringback.runtime import RuntimeDep
from ringback.supervisor.api import CurrentSupervisor
from ringback.webhooks import service
from ringback.webhooks.events import EventType
from ringback.webhooks.models import DeliveryState, WebhookEndpoint
from ringback.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryPage,
    DeliveryRead,
    EndpointCreate,
    EndpointCreated,
    EndpointRead,
    EndpointUpdate,
    RedeliverRange,
    RedeliveryRead,
    SecretRead,
    SupervisedEndpointRead,
    WebhookPayload,
)
from ringback.webhooks.service import DeliveryView, Pending

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
supervisor_router = APIRouter(
    prefix="/api/v1/workspace/supervisor/webhooks", tags=["workspace", "supervisor"]
)


@router.get("/event-types", response_model=list[EventType])
async def event_types(api: ApiUnit) -> list[EventType]:
    """Every event type an endpoint may subscribe to."""
    return list(EventType)


@router.post("/endpoints", status_code=201, response_model=EndpointCreated)
async def create_endpoint(
    request: EndpointCreate, api: ApiUnit, runtime: RuntimeDep, response: Response
) -> EndpointCreated:
    """Subscribe a URL to callback events of the services this key may use. The answer holds
    the secret that signs the deliveries."""
    endpoint = await service.create_endpoint(
        api.session, request=request, caller=api.caller, now=runtime.clock.now()
    )
    response.headers["Location"] = f"/api/v1/webhooks/endpoints/{endpoint.id}"
    read = _read(endpoint, Pending(0, None))
    return EndpointCreated(**read.model_dump(), secret=endpoint.secret)


@router.get("/endpoints", response_model=list[EndpointRead])
async def list_endpoints(api: ApiUnit) -> list[EndpointRead]:
    """This key's endpoints, oldest first."""
    endpoints = await service.list_endpoints(api.session, caller=api.caller)
    pending = await service.pending_of(api.session, endpoints)
    return [_read(e, pending[e.id]) for e in endpoints]


@router.get("/endpoints/{endpoint_id}", response_model=EndpointRead)
async def get_endpoint(endpoint_id: uuid.UUID, api: ApiUnit) -> EndpointRead:
    endpoint = await service.get_endpoint(api.session, endpoint_id=endpoint_id, caller=api.caller)
    return await _read_one(api, endpoint)


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointRead)
async def update_endpoint(
    endpoint_id: uuid.UUID, request: EndpointUpdate, api: ApiUnit, runtime: RuntimeDep
) -> EndpointRead:
    """Change the URL, the description, the event types or the services; ``enabled: true``
    enables a disabled endpoint, and what waited for it is sent, oldest first."""
    endpoint = await service.update_endpoint(
        api.session,
        endpoint_id=endpoint_id,
        request=request,
        caller=api.caller,
        now=runtime.clock.now(),
    )
    if request.enabled:
        runtime.webhooks.kick()
    return await _read_one(api, endpoint)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
async def delete_endpoint(endpoint_id: uuid.UUID, api: ApiUnit) -> Response:
    """Unsubscribe: nothing more is sent, and the delivery log is forgotten."""
    await service.delete_endpoint(api.session, endpoint_id=endpoint_id, caller=api.caller)
    return Response(status_code=204)


@router.get("/endpoints/{endpoint_id}/secret", response_model=SecretRead)
async def get_secret(endpoint_id: uuid.UUID, api: ApiUnit, runtime: RuntimeDep) -> SecretRead:
    """The secret that signs this endpoint's deliveries."""
    endpoint = await service.get_endpoint(api.session, endpoint_id=endpoint_id, caller=api.caller)
    return _secret_read(endpoint, runtime.clock.now())


@router.post("/endpoints/{endpoint_id}/secret/rotate", response_model=SecretRead)
async def rotate_secret(endpoint_id: uuid.UUID, api: ApiUnit, runtime: RuntimeDep) -> SecretRead:
    """A new secret. For 24 hours deliveries carry a signature made with each, so the receiver
    can switch to the new one without losing any."""
    now = runtime.clock.now()
    endpoint = await service.get_endpoint(api.session, endpoint_id=endpoint_id, caller=api.caller)
    service.rotate_secret(endpoint, secret=None, now=now)
    return _secret_read(endpoint, now)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=DeliveryPage)
async def deliveries(
    endpoint_id: uuid.UUID,
    api: ApiUnit,
    state: DeliveryState | None = None,
    callback_id: Annotated[uuid.UUID | None, Query(description="One callback's only.")] = None,
    event_type: EventType | None = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """The delivery log of the endpoint, newest first."""
    views = await service.deliveries(
        api.session,
        endpoint_id=endpoint_id,
        caller=api.caller,
        state=state,
        callback_id=callback_id,
        event_type=str(event_type) if event_type else None,
        before=_decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    next_cursor = _encode_cursor(views[limit - 1].delivery.id) if len(views) > limit else None
    return DeliveryPage(items=[_delivery_read(v) for v in views[:limit]], next_cursor=next_cursor)


@router.get("/endpoints/{endpoint_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def delivery(endpoint_id: uuid.UUID, delivery_id: DeliveryId, api: ApiUnit) -> DeliveryDetail:
    """One delivery: every attempt, and the body sent."""
    record = await service.delivery(
        api.session, endpoint_id=endpoint_id, delivery_id=delivery_id, caller=api.caller
    )
    body = record.view.event.body
    return DeliveryDetail(
        **_delivery_read(record.view).model_dump(),
        attempt_log=[AttemptRead.model_validate(a) for a in record.attempts],
        payload=WebhookPayload.model_validate_json(body) if body else None,
    )


@router.post(
    "/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryRead,
)
async def redeliver(
    endpoint_id: uuid.UUID, delivery_id: DeliveryId, api: ApiUnit, runtime: RuntimeDep
) -> DeliveryRead:
    """Send the delivery's event again (same webhook-id), as a new delivery."""
    view = await service.redeliver_one(
        api.session,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
        caller=api.caller,
        now=runtime.clock.now(),
    )
    runtime.webhooks.kick()
    return _delivery_read(view)


@router.post("/endpoints/{endpoint_id}/redeliver", status_code=202, response_model=RedeliveryRead)
async def redeliver_range(
    endpoint_id: uuid.UUID, request: RedeliverRange, api: ApiUnit, runtime: RuntimeDep
) -> RedeliveryRead:
    """Send again every event of a time range that the endpoint subscribes to, in order."""
    made = await service.redeliver_range(
        api.session,
        endpoint_id=endpoint_id,
        request=request,
        caller=api.caller,
        now=runtime.clock.now(),
    )
    runtime.webhooks.kick()
    return RedeliveryRead(deliveries=made)


# Supervisors


@supervisor_router.get("", response_model=list[SupervisedEndpointRead])
async def supervised_endpoints(
    me: CurrentSupervisor, runtime: RuntimeDep
) -> list[SupervisedEndpointRead]:
    """Every webhook endpoint, the configuration's and the API keys', with its health: a
    disabled one has stopped receiving until it is enabled again."""
    async with runtime.db.transaction() as session:
        rows = await service.all_endpoints(session)
    return [
        SupervisedEndpointRead(
            **_read(row.endpoint, row.pending).model_dump(),
            source=row.endpoint.source,
            name=row.endpoint.name,
            api_key=row.api_key,
        )
        for row in rows
    ]


@supervisor_router.post("/{endpoint_id}/enable", response_model=SupervisedEndpointRead)
async def enable_endpoint(
    endpoint_id: uuid.UUID, me: CurrentSupervisor, runtime: RuntimeDep
) -> SupervisedEndpointRead:
    """Enable a disabled endpoint; what waited for it is sent, oldest first."""
    async with runtime.db.transaction() as session:
        endpoint = await service.supervised_endpoint(session, endpoint_id)
        if not endpoint.enabled:
            await service.enable(session, endpoint, now=runtime.clock.now())
        rows = {row.endpoint.id: row for row in await service.all_endpoints(session)}
    runtime.webhooks.kick()
    row = rows[endpoint_id]
    return SupervisedEndpointRead(
        **_read(row.endpoint, row.pending).model_dump(),
        source=row.endpoint.source,
        name=row.endpoint.name,
        api_key=row.api_key,
    )


# Reads


def _read(endpoint: WebhookEndpoint, pending: Pending) -> EndpointRead:
    return EndpointRead(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        event_types=[EventType(t) for t in endpoint.event_types]
        if endpoint.event_types is not None
        else None,
        services=endpoint.services,
        enabled=endpoint.enabled,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        failing_since=endpoint.failing_since,
        last_success_at=endpoint.last_success_at,
        last_failure_at=endpoint.last_failure_at,
        pending_deliveries=pending.count,
        oldest_pending_at=pending.oldest,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


async def _read_one(api: ApiUnit, endpoint: WebhookEndpoint) -> EndpointRead:
    await api.session.flush()
    pending = await service.pending_of(api.session, [endpoint])
    return _read(endpoint, pending[endpoint.id])


def _secret_read(endpoint: WebhookEndpoint, now: datetime) -> SecretRead:
    until = endpoint.previous_secret_until
    return SecretRead(
        secret=endpoint.secret, previous_secret_until=until if until and until > now else None
    )


def _delivery_read(view: DeliveryView) -> DeliveryRead:
    delivery, event = view.delivery, view.event
    return DeliveryRead(
        id=delivery.id,
        event_id=event.id,
        event_type=EventType(event.type),
        callback_id=delivery.callback_id,
        occurred_at=event.occurred_at,
        state=delivery.state,
        redelivery=delivery.redelivery,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at
        if delivery.state is DeliveryState.PENDING
        else None,
        last_attempt_at=delivery.last_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


def _encode_cursor(delivery_id: int) -> str:
    return base64.urlsafe_b64encode(f"delivery:{delivery_id}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        delivery_id = int(value)
        if kind != "delivery" or not 1 <= delivery_id < 2**63:
            raise ValueError(kind)
        return delivery_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            "invalid-cursor", "the cursor is not one this API returned", field="cursor"
        ) from None
