"""Webhook use cases: endpoints, the delivery log, redelivery, and the steps of the delivery
loop. They take a session and never commit: the caller's unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.apikeys.models import ApiKey
from ringback.apikeys.service import scope_of
from ringback.callbacks.schemas import callback_read
from ringback.callbacks.service import Caller
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.db import new_id
from ringback.errors import RingbackError, conflict, invalid, not_found
from ringback.webhooks import repository, retry
from ringback.webhooks.capture import restore
from ringback.webhooks.config import WebhookConfig, new_secret
from ringback.webhooks.events import EventType
from ringback.webhooks.models import (
    DeliveryState,
    EndpointSource,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from ringback.webhooks.schemas import (
    ChangeRead,
    EndpointCreate,
    EndpointUpdate,
    RedeliverRange,
    WebhookData,
    WebhookPayload,
)

MAX_ENDPOINTS_PER_KEY = 20
# After a rotation, the previous secret still signs for this long, so receivers can switch.
ROTATION_OVERLAP = timedelta(hours=24)
FAN_OUT_BATCH = 500


# Endpoints, as an API key manages its own


async def create_endpoint(
    session: AsyncSession, *, request: EndpointCreate, caller: Caller, now: datetime
) -> WebhookEndpoint:
    """A new endpoint owned by the caller's API key, enabled at once."""
    key_id = _key_of(caller)
    if await repository.count_for_key(session, key_id) >= MAX_ENDPOINTS_PER_KEY:
        raise conflict(
            "too-many-webhook-endpoints",
            f"an API key may have at most {MAX_ENDPOINTS_PER_KEY} webhook endpoints",
        )
    await _check_services(session, request.services, caller)
    endpoint = WebhookEndpoint(
        id=new_id(),
        source=EndpointSource.API,
        name=None,
        api_key_id=key_id,
        url=request.url,
        description=request.description,
        secret=request.secret or new_secret(),
        event_types=_types(request.event_types),
        services=request.services,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(
    session: AsyncSession, *, endpoint_id: uuid.UUID, caller: Caller
) -> WebhookEndpoint:
    """One of the caller's endpoints; another key's is not found."""
    endpoint = await repository.endpoint(session, endpoint_id)
    if endpoint is None or endpoint.api_key_id is None or endpoint.api_key_id != caller.api_key_id:
        raise not_found("webhook-endpoint-not-found", f"there is no webhook endpoint {endpoint_id}")
    return endpoint


async def list_endpoints(session: AsyncSession, *, caller: Caller) -> Sequence[WebhookEndpoint]:
    return await repository.endpoints(session, api_key_id=_key_of(caller))


async def update_endpoint(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    request: EndpointUpdate,
    caller: Caller,
    now: datetime,
) -> WebhookEndpoint:
    """Change the fields sent; ``enabled`` disables, or enables again and sends what waited."""
    endpoint = await get_endpoint(session, endpoint_id=endpoint_id, caller=caller)
    sent = request.model_fields_set
    for field in ("url", "description", "enabled"):
        if field in sent and getattr(request, field) is None:
            raise invalid("invalid-request", f"{field}: may not be null", field=field)
    if "services" in sent:
        await _check_services(session, request.services, caller)
        endpoint.services = request.services
    if "event_types" in sent:
        endpoint.event_types = _types(request.event_types)
    if request.url is not None:
        endpoint.url = request.url
    if request.description is not None:
        endpoint.description = request.description
    if request.enabled is True and not endpoint.enabled:
        await enable(session, endpoint, now=now)
    elif request.enabled is False and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = "disabled through the API"
    endpoint.updated_at = now
    return endpoint


async def delete_endpoint(session: AsyncSession, *, endpoint_id: uuid.UUID, caller: Caller) -> None:
    """Forget the endpoint and its delivery log; nothing more is sent to it."""
    endpoint = await get_endpoint(session, endpoint_id=endpoint_id, caller=caller)
    await repository.delete_endpoint(session, endpoint)


def secrets_of(endpoint: WebhookEndpoint, *, now: datetime) -> tuple[str, ...]:
    """The secrets that sign a delivery now: the current one, and the previous one for a day
    after a rotation."""
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


def rotate_secret(endpoint: WebhookEndpoint, *, secret: str | None, now: datetime) -> None:
    """A new secret; the previous one goes on signing alongside for ROTATION_OVERLAP."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.secret = secret or new_secret()
    endpoint.updated_at = now


async def enable(session: AsyncSession, endpoint: WebhookEndpoint, *, now: datetime) -> None:
    """Enable a disabled endpoint: its waiting deliveries are due now, with a new horizon."""
    # Deliveries first, then the endpoint row (written at flush): the order the delivery loop
    # locks them in, so the two never wait for each other.
    await repository.release_held(session, endpoint.id, now=now)
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    endpoint.failing_since = None
    endpoint.updated_at = now


@dataclass(frozen=True)
class Pending:
    count: int
    oldest: datetime | None


async def pending_of(
    session: AsyncSession, endpoints: Sequence[WebhookEndpoint]
) -> dict[uuid.UUID, Pending]:
    found = await repository.pending_by_endpoint(session, [e.id for e in endpoints])
    return {e.id: Pending(*found[e.id]) if e.id in found else Pending(0, None) for e in endpoints}


# Supervisors see every endpoint


@dataclass(frozen=True)
class SupervisedEndpoint:
    endpoint: WebhookEndpoint
    pending: Pending
    api_key: str | None


async def all_endpoints(session: AsyncSession) -> list[SupervisedEndpoint]:
    """Every endpoint, the file's and the API keys', with what waits for each."""
    endpoints = await repository.endpoints(session)
    pending = await pending_of(session, endpoints)
    keys = {key.id: key.name for key in await session.scalars(select(ApiKey))}
    return [
        SupervisedEndpoint(
            e, pending[e.id], keys.get(e.api_key_id) if e.api_key_id is not None else None
        )
        for e in endpoints
    ]


async def supervised_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await repository.endpoint(session, endpoint_id)
    if endpoint is None:
        raise not_found("webhook-endpoint-not-found", f"there is no webhook endpoint {endpoint_id}")
    return endpoint


# The configuration file's endpoints


async def apply_endpoints(
    session: AsyncSession, *, endpoints: Sequence[WebhookConfig], now: datetime
) -> None:
    """Make the file's endpoints those of ``endpoints``, matched by name; an entry left out is
    deleted. A changed secret is rotated: the previous one signs alongside for a day."""
    stored = {e.name: e for e in await repository.endpoints(session, source=EndpointSource.CONFIG)}
    for index, entry in enumerate(endpoints):
        row = stored.pop(entry.name, None)
        if row is None:
            if entry.secret is None:
                raise invalid(
                    "webhook-secret-required",
                    f"webhooks[{index}] ({entry.name}).secret: a new endpoint needs a secret, "
                    "whsec_ and the base64 of 24 to 64 random bytes",
                    field=f"webhooks[{index}].secret",
                )
            session.add(
                WebhookEndpoint(
                    id=new_id(),
                    source=EndpointSource.CONFIG,
                    name=entry.name,
                    api_key_id=None,
                    url=entry.url,
                    description=entry.description,
                    secret=entry.secret,
                    event_types=_types(entry.event_types),
                    services=entry.services,
                    enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            continue
        wanted = (entry.url, entry.description, _types(entry.event_types), entry.services)
        if (row.url, row.description, row.event_types, row.services) != wanted:
            row.url, row.description, row.event_types, row.services = wanted
            row.updated_at = now
        if entry.secret is not None and entry.secret != row.secret:
            rotate_secret(row, secret=entry.secret, now=now)
    for row in stored.values():
        await repository.delete_endpoint(session, row)


async def export_endpoints(session: AsyncSession) -> list[WebhookConfig]:
    """The file's endpoints, without their secrets (an apply keeps the stored ones)."""
    return [
        WebhookConfig.model_validate(
            {
                "name": e.name,
                "url": e.url,
                "description": e.description,
                "event_types": e.event_types,
                "services": e.services,
            }
        )
        for e in await repository.endpoints(session, source=EndpointSource.CONFIG)
    ]


# The delivery log and redelivery


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    event: WebhookEvent


async def deliveries(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    caller: Caller,
    state: DeliveryState | None,
    callback_id: uuid.UUID | None,
    event_type: str | None,
    before: int | None,
    limit: int,
) -> list[DeliveryView]:
    """The endpoint's deliveries, newest first (``limit`` of them, after ``before``)."""
    endpoint = await get_endpoint(session, endpoint_id=endpoint_id, caller=caller)
    rows = await repository.deliveries_page(
        session,
        endpoint_id=endpoint.id,
        state=state,
        callback_id=callback_id,
        event_type=event_type,
        before=before,
        limit=limit,
    )
    return [DeliveryView(delivery, event) for delivery, event in rows]


@dataclass(frozen=True)
class DeliveryRecord:
    view: DeliveryView
    attempts: Sequence[WebhookAttempt]


async def delivery(
    session: AsyncSession, *, endpoint_id: uuid.UUID, delivery_id: int, caller: Caller
) -> DeliveryRecord:
    """One delivery with every attempt made."""
    endpoint = await get_endpoint(session, endpoint_id=endpoint_id, caller=caller)
    found = await repository.delivery(session, delivery_id)
    if found is None or found.endpoint_id != endpoint.id:
        raise not_found("webhook-delivery-not-found", f"there is no delivery {delivery_id}")
    event = await repository.event(session, found.event_seq)
    assert event is not None
    return DeliveryRecord(DeliveryView(found, event), await repository.attempts(session, found.id))


async def redeliver_one(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    delivery_id: int,
    caller: Caller,
    now: datetime,
) -> DeliveryView:
    """Send a delivery's event again, as a new delivery with the same webhook-id."""
    record = await delivery(
        session, endpoint_id=endpoint_id, delivery_id=delivery_id, caller=caller
    )
    event = record.view.event
    again = WebhookDelivery(
        endpoint_id=record.view.delivery.endpoint_id,
        event_seq=event.seq,
        callback_id=event.callback_id,
        state=DeliveryState.PENDING,
        redelivery=True,
        attempts=0,
        failures=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(again)
    await session.flush()
    return DeliveryView(again, event)


async def redeliver_range(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    request: RedeliverRange,
    caller: Caller,
    now: datetime,
) -> int:
    """Send again every event of the range the endpoint wants (narrowed by the request's types
    and callback), in event order; returns how many deliveries were made."""
    until = request.until or now
    if until <= request.since:
        raise invalid("invalid-range", "until must be after since", field="until")
    endpoint = await get_endpoint(session, endpoint_id=endpoint_id, caller=caller)
    wanted = await _wanted(session, endpoint, await _service_ids(session))
    if wanted is None:
        return 0
    types, service_ids = wanted
    if request.event_types is not None:
        asked = {str(t) for t in request.event_types}
        types = sorted(asked if types is None else asked & set(types))
    where = [
        WebhookEvent.occurred_at >= request.since,
        WebhookEvent.occurred_at < until,
        WebhookEvent.fanned_out_at.is_not(None),  # the rest is delivered as usual
        *repository.matching(types, service_ids),
    ]
    if request.callback_id is not None:
        where.append(WebhookEvent.callback_id == request.callback_id)
    return await repository.add_deliveries(
        session, endpoint_id=endpoint.id, where=where, now=now, redelivery=True
    )


# Steps of the delivery loop


async def fan_out(session: AsyncSession, *, now: datetime, limit: int = FAN_OUT_BATCH) -> int:
    """Make the deliveries of the oldest new events, for every endpoint that wants them
    (disabled ones too: theirs wait until they are enabled again). Returns how many events."""
    if not await repository.take_fan_out_turn(session):
        return 0  # another node is at it
    seqs = await repository.unfanned_events(session, limit=limit)
    if not seqs:
        return 0
    endpoints = await repository.endpoints(session)
    service_ids = await _service_ids(session) if endpoints else {}
    for endpoint in endpoints:
        wanted = await _wanted(session, endpoint, service_ids)
        if wanted is None:
            continue
        await repository.add_deliveries(
            session,
            endpoint_id=endpoint.id,
            where=[WebhookEvent.seq.in_(seqs), *repository.matching(*wanted)],
            now=now,
            redelivery=False,
        )
    await repository.mark_fanned_out(session, seqs, now=now)
    return len(seqs)


@dataclass(frozen=True)
class Outgoing:
    """Everything one attempt needs, read in the transaction that claimed the delivery."""

    delivery_id: int
    endpoint_id: uuid.UUID
    url: str
    secrets: tuple[str, ...]
    event_id: str
    event_type: str
    body: str


async def claim(
    session: AsyncSession,
    *,
    endpoint: WebhookEndpoint,
    now: datetime,
    limit: int,
    lease: timedelta,
) -> list[Outgoing]:
    """Take up to ``limit`` due deliveries of the endpoint, each the next of its callback, and
    hold them for ``lease`` (if this node dies sending, another sends them after that)."""
    rows = await repository.claim(session, endpoint_id=endpoint.id, now=now, limit=limit)
    events = await repository.events(session, {row.event_seq for row in rows})
    services: dict[int, Service] = {}
    claimed = []
    for row in rows:
        event = events[row.event_seq]
        if event.body is None:
            if event.service_id not in services:
                services[event.service_id] = await config_repository.service_by_id(
                    session, event.service_id
                )
            event.body = render(event, services[event.service_id])
        row.lease_until = now + lease
        claimed.append(
            Outgoing(
                delivery_id=row.id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                secrets=secrets_of(endpoint, now=now),
                event_id=str(event.id),
                event_type=event.type,
                body=event.body,
            )
        )
    return claimed


def render(event: WebhookEvent, service: Service) -> str:
    """The JSON body of an event: the callback as the Callback API showed it at the change."""
    payload = WebhookPayload(
        type=EventType(event.type),
        timestamp=event.occurred_at,
        data=WebhookData(
            callback=callback_read(restore(event.callback), service),
            change=ChangeRead.model_validate(event.change),
        ),
    )
    return payload.model_dump_json()


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"  # to be tried again
    DISABLED = "disabled"  # failed past the horizon: the endpoint is disabled
    GONE = "gone"  # the delivery was delivered by another node, or deleted, meanwhile


@dataclass(frozen=True)
class AttemptResult:
    started_at: datetime
    duration_ms: int
    status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def record_attempt(
    session: AsyncSession,
    *,
    delivery_id: int,
    result: AttemptResult,
    now: datetime,
    horizon: timedelta,
) -> tuple[Outcome, WebhookEndpoint | None]:
    """Log an attempt; on failure, plan the next one, or disable the endpoint once the
    deliveries have failed for ``horizon`` since the first attempt."""
    row = await repository.delivery(session, delivery_id, for_update=True)
    if row is None or row.state is not DeliveryState.PENDING:
        return Outcome.GONE, None
    endpoint = await repository.endpoint(session, row.endpoint_id)
    assert endpoint is not None
    session.add(
        WebhookAttempt(
            delivery_id=row.id,
            at=result.started_at,
            status=result.status,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    row.attempts += 1
    row.last_attempt_at = result.started_at
    row.last_status = result.status
    row.last_error = result.error
    row.lease_until = None
    if result.delivered:
        row.state = DeliveryState.DELIVERED
        row.delivered_at = now
        row.failures = 0
        endpoint.last_success_at = now
        endpoint.failing_since = None
        return Outcome.DELIVERED, endpoint
    row.failures += 1
    row.first_attempt_at = row.first_attempt_at or result.started_at
    endpoint.last_failure_at = now
    endpoint.failing_since = endpoint.failing_since or result.started_at
    upcoming = retry.next_attempt(
        failures=row.failures,
        first_attempt_at=row.first_attempt_at,
        failed_at=now,
        horizon=horizon,
    )
    if upcoming is not None:
        row.next_attempt_at = upcoming
        return Outcome.FAILED, endpoint
    # Held: it is sent first when the endpoint is enabled again.
    row.next_attempt_at = now
    if endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"deliveries failed for {_hours(horizon)} since {row.first_attempt_at.isoformat()}; "
            f"the last attempt: {result.error or result.status}"
        )
        endpoint.updated_at = now
        return Outcome.DISABLED, endpoint
    return Outcome.FAILED, endpoint


# Helpers


def _key_of(caller: Caller) -> int:
    if caller.api_key_id is None:
        raise RingbackError("unauthorized", "webhook endpoints belong to an API key", status=401)
    return caller.api_key_id


def _types(types: Sequence[object] | None) -> list[str] | None:
    return None if types is None else [str(t) for t in types]


async def _check_services(
    session: AsyncSession, names: Sequence[str] | None, caller: Caller
) -> None:
    if names is None:
        return
    known = {s.name for s in await config_repository.active_services(session)}
    for name in names:
        if name not in known:
            raise invalid(
                "unknown-service", f"there is no callback service named {name!r}", field="services"
            )
        if not caller.may_use(name):
            raise RingbackError(
                "service-forbidden",
                f"this API key may not use service {name!r}",
                status=403,
                field="services",
            )


async def _service_ids(session: AsyncSession) -> dict[str, int]:
    """Every service's id by its name, for :func:`_wanted`."""
    return {row.name: row.id for row in await config_repository.all_service_rows(session)}


async def _wanted(
    session: AsyncSession, endpoint: WebhookEndpoint, service_ids: Mapping[str, int]
) -> tuple[list[str] | None, list[int] | None] | None:
    """The event types and service ids an endpoint gets (None: all); None when it gets
    nothing, as an endpoint of a revoked key. ``service_ids`` is :func:`_service_ids`."""
    names: set[str] | None = set(endpoint.services) if endpoint.services is not None else None
    if endpoint.api_key_id is not None:
        key = await session.get(ApiKey, endpoint.api_key_id)
        if key is None or key.revoked_at is not None:
            return None
        scope = scope_of(key)
        if scope is not None:
            names = set(scope) if names is None else names & scope
    ids = None if names is None else sorted(service_ids[n] for n in names if n in service_ids)
    return endpoint.event_types, ids


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} hours" if hours != 1 else "1 hour"
