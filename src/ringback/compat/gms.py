"""Genesys Mobile Services (GMS) callback API: ``/genesys/1/service/callback`` and the slot
list of ``/genesys/2``, in the shapes the vendor's web widgets and mobile samples send.

Bodies are JSON or form fields. ``_id`` is Ringback's callback id (the same value the Genesys
Cloud surface calls the conversation id). Refusals are ``{"message", "exception", "error"}``
with Ringback's stable code in ``error``: 400 for every invalid request, a full slot (with the
free slots near the time asked for) or a conflict, then 401, 403, 404 and 429.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.auth import ApiRequest
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.phones import normalise_phone
from ringback.callbacks.schemas import DataKey, DataValue
from ringback.callbacks.states import CallbackState, CallbackType
from ringback.compat import intake, repository
from ringback.compat.forms import fields, form_or_json
from ringback.compat.http import CompatUnit, vendor_route
from ringback.config.repository import Service
from ringback.errors import RingbackError, invalid, not_found
from ringback.runtime import RuntimeDep

TAG = "gms"
SEARCH_LIMIT = 100
DEFAULT_DAYS = 1
DEFAULT_MAX_SLOTS = 100
MAX_DAYS = 31
# A full slot's refusal lists the free slots from this long before the time asked for...
NEARBY_BEFORE = timedelta(hours=2)
NEARBY_AFTER = timedelta(days=1)  # ...to this long after it, at most NEARBY_SLOTS of them.
NEARBY_SLOTS = 10

CALLBACK_EXCEPTION = "com.genesyslab.gsg.services.callback.CallbackException"
AVAILABILITY_EXCEPTION = "com.genesyslab.gsg.services.callback.CallbackExceptionAvailability"


class GmsError(BaseModel):
    """The vendor's error body; ``error`` is Ringback's stable code (docs/api.md)."""

    message: str
    exception: str = Field(examples=[AVAILABILITY_EXCEPTION])
    error: str = Field(examples=["slot-full"])
    field: str | None = None
    availability: dict[str, int] | None = Field(
        default=None, description="A full slot's refusal: free slots near it, by start (UTC)."
    )


def _render(error: RingbackError, request: Request) -> JSONResponse:
    status = 400 if error.status in (409, 422) else error.status
    body = GmsError(
        message=error.detail,
        exception=AVAILABILITY_EXCEPTION if error.code == "slot-full" else CALLBACK_EXCEPTION,
        error=error.code,
        field=error.field,
        availability=error.extra.get("availability"),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=error.headers
    )


REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": GmsError, "description": description}
    for status, description in (
        (400, "Bad Request: an invalid field, a full slot, a duplicate or a conflict"),
        (401, "Unauthorized"),
        (403, "Forbidden: a service outside the key's services"),
        (404, "Not Found"),
        (429, "Too Many Requests (Retry-After)"),
    )
}

v1 = APIRouter(prefix="/genesys/1/service/callback", tags=[TAG], route_class=vendor_route(_render))
v2 = APIRouter(prefix="/genesys/2/service/callback", tags=[TAG], route_class=vendor_route(_render))

_DATA = {
    "propertyNames": {"minLength": 1, "maxLength": 64},
    "additionalProperties": {"type": "string", "maxLength": 1000},
    "maxProperties": 40,
}
_CREATE_BODY = {
    "type": "object",
    "required": ["_customer_number"],
    "properties": {
        "_customer_number": {"type": "string", "minLength": 3, "maxLength": 40},
        "_desired_time": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 (without an offset: UTC); absent: as soon as possible.",
        },
    },
} | _DATA
_UPDATE_BODY = {
    "type": "object",
    "properties": {
        "_new_desired_time": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 (without an offset: UTC).",
        }
    },
} | _DATA


class CallbackId(BaseModel):
    id: str = Field(alias="_id", serialization_alias="_id")


class CallbackRecord(BaseModel):
    """A callback as GMS shows one: its properties, then its data (keys as sent)."""

    model_config = {"extra": "allow"}

    id: str = Field(alias="_id", serialization_alias="_id")
    service_name: str = Field(alias="_service_name", serialization_alias="_service_name")
    customer_number: str = Field(alias="_customer_number", serialization_alias="_customer_number")
    desired_time: str = Field(alias="_desired_time", serialization_alias="_desired_time")
    callback_state: str = Field(
        alias="_callback_state",
        serialization_alias="_callback_state",
        examples=["SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED"],
    )
    callback_reason: str | None = Field(
        default=None,
        alias="_callback_reason",
        serialization_alias="_callback_reason",
        description="Why a COMPLETED callback ended: COMPLETED, CANCELLED, FAILED, EXPIRED.",
    )
    expiration_time: str | None = Field(
        alias="_expiration_time",
        serialization_alias="_expiration_time",
        description="When the service expires the callback if no agent takes it (the "
        "service's expire_after_hours after the desired time); null when it never will.",
    )


# Records are sent as built: a reason only once a callback has ended, the data's keys as sent.
RECORDS: dict[int | str, dict[str, Any]] = {
    200: {"model": list[CallbackRecord], "description": "The matching callbacks"}
}


class Slot(BaseModel):
    utcTime: str
    localTime: str = Field(description="In the service's time zone, with its offset.")
    capacity: int = Field(description="Places left.")
    total: int = Field(description="Places the slot has.")


class AvailabilityV2(BaseModel):
    durationMin: int
    timezone: str
    slots: list[Slot]


def record(callback: Callback, service: Service) -> dict[str, Any]:
    """A callback as a GMS record."""
    state, reason = intake.GMS_STATES[callback.state]
    properties: dict[str, Any] = {k: str(v) for k, v in callback.data.items()}
    properties |= {
        "_id": str(callback.id),
        "_service_name": service.name,
        "_customer_number": callback.phone,
        "_desired_time": intake.utc_text(callback.desired_time),
        "_callback_state": state,
        "_expiration_time": _expiration(callback, service),
    }
    if reason is not None:
        properties["_callback_reason"] = reason
    return properties


# The callback's data as the Callback API bounds it: keys, values and how many.
_DATA_MAP = TypeAdapter(Annotated[dict[DataKey, DataValue], Field(max_length=50)])


# States in which a callback may still expire (an offer refused returns it to the queue), or has.
_MAY_EXPIRE = {
    CallbackState.SCHEDULED,
    CallbackState.QUEUED,
    CallbackState.OFFERED,
    CallbackState.EXPIRED,
}


def _expiration(callback: Callback, service: Service) -> str | None:
    """When the service expires the callback if no agent has taken it (its expire_after_hours
    after the desired time); None when it never will."""
    hours = service.config.expire_after_hours
    if hours is None or callback.state not in _MAY_EXPIRE:
        return None
    return intake.utc_text(callback.desired_time + timedelta(hours=hours))


def _data(values: dict[str, Any], skip: Sequence[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for key, value in values.items():
        if key in skip or value is None:
            continue
        if isinstance(value, bool):
            data[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            data[key] = str(value)
        else:
            data[key] = json.dumps(value, sort_keys=True)
    return data


def _text(values: dict[str, Any], name: str) -> str | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid("invalid-request", f"{name} must be a string", field=name)
    return value


@v1.post(
    "/{service}",
    response_model=CallbackId,
    responses=REFUSALS,
    openapi_extra=form_or_json(_CREATE_BODY),
    operation_id="gms_create_callback",
    summary="Request a callback (GMS)",
)
async def create_callback(
    service: str, request: Request, api: CompatUnit, runtime: RuntimeDep
) -> dict[str, str]:
    """``_customer_number`` to call, ``_desired_time`` or as soon as possible; any other field
    is kept as the callback's data, shown to the agent."""
    body = await fields(request)
    found = await intake.service_named(api.session, service, caller=api.caller)
    number = _text(body, "_customer_number")
    if number is None:
        raise invalid("phone-required", "_customer_number is required", field="_customer_number")
    wanted = _text(body, "_desired_time")
    desired = intake.utc_time(wanted, field="_desired_time") if wanted else None
    numbers = intake.pick_numbers(
        [number], region=found.config.default_region, strict=True, field="_customer_number"
    )
    settings = runtime.settings
    try:
        result = await intake.ask(
            api.session,
            intake.Ask(
                service=found,
                numbers=intake.Numbers(numbers.called),
                desired_time=desired,
                data=_data(body, ("_customer_number", "_desired_time")),
                channel="mobile",
            ),
            caller=api.caller,
            now=runtime.clock.now(),
            idempotency_key=request.headers.get("idempotency-key"),
            phone_budget=callbacks.PhoneBudget(
                settings.rate_limit_per_phone_per_hour, timedelta(hours=1)
            ),
            fields={"phone": "_customer_number", "desired_time": "_desired_time"},
        )
    except RingbackError as exc:
        if exc.code == "slot-full" and desired is not None:
            exc.extra["availability"] = await _nearby(api.session, found, desired, runtime)
            exc.field = "_desired_time"
        raise
    if result.created:
        runtime.metrics.callbacks_created.labels(
            service=result.service.name, type=result.callback.type
        ).inc()
    return {"_id": str(result.callback.id)}


async def _nearby(
    session: AsyncSession, service: Service, at: datetime, runtime: RuntimeDep
) -> dict[str, int]:
    slots = await callbacks.availability(
        session,
        service=service,
        start=at - NEARBY_BEFORE,
        end=at + NEARBY_AFTER,
        now=runtime.clock.now(),
    )
    free = [slot for slot in slots if slot.available > 0][:NEARBY_SLOTS]
    return {intake.utc_text(slot.start): slot.available for slot in free}


@v1.get(
    "",
    response_model=None,
    responses=RECORDS | REFUSALS,
    operation_id="gms_get_callback",
    summary="Get a callback by its id (GMS)",
)
async def get_callback(
    api: CompatUnit,
    callback_id: Annotated[str, Query(alias="_id", max_length=100)],
) -> JSONResponse:
    """A list: the callback with this ``_id``, or none."""
    try:
        callback, found = await callbacks.get_callback(
            api.session, callback_id=uuid.UUID(callback_id), caller=api.caller
        )
    except (ValueError, RingbackError) as exc:
        if isinstance(exc, RingbackError) and exc.status != 404:
            raise
        return JSONResponse([])
    return JSONResponse([record(callback, found)])


@v1.get(
    "/{service}/availability",
    response_model=dict[str, int],
    responses=REFUSALS,
    operation_id="gms_availability",
    summary="Free places per slot (GMS v1)",
)
async def availability_v1(
    service: str,
    api: CompatUnit,
    runtime: RuntimeDep,
    start: Annotated[str | None, Query(max_length=40, description="Default: now.")] = None,
    end: Annotated[str | None, Query(max_length=40)] = None,
    days: Annotated[int, Query(alias="number-of-days", ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
    max_slots: Annotated[int, Query(alias="max-time-slots", ge=1, le=1000)] = DEFAULT_MAX_SLOTS,
    report_busy: Annotated[bool, Query(alias="report-busy")] = False,
) -> dict[str, int]:
    """Slot start (UTC) to the places left; full slots only with ``report-busy=true``."""
    _, slots = await _slots(api, service, runtime, start, end, days)
    shown = [s for s in slots if report_busy or s.available > 0][:max_slots]
    return {intake.utc_text(s.start): s.available for s in shown}


@v2.get(
    "/{service}/availability",
    response_model=AvailabilityV2,
    responses=REFUSALS,
    operation_id="gms_availability_v2",
    summary="Slots with their places (GMS v2)",
)
async def availability_v2(
    service: str,
    api: CompatUnit,
    runtime: RuntimeDep,
    start: Annotated[str | None, Query(max_length=40, description="Default: now.")] = None,
    end: Annotated[str | None, Query(max_length=40)] = None,
    days: Annotated[int, Query(alias="number-of-days", ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
    max_slots: Annotated[int, Query(alias="max-time-slots", ge=1, le=1000)] = DEFAULT_MAX_SLOTS,
    report_busy: Annotated[bool, Query(alias="report-busy")] = False,
) -> AvailabilityV2:
    """The service's slots with places left (full ones too with ``report-busy=true``)."""
    found, slots = await _slots(api, service, runtime, start, end, days)
    zone = found.config.zone
    shown = [s for s in slots if report_busy or s.available > 0][:max_slots]
    return AvailabilityV2(
        durationMin=found.config.slot_minutes,
        timezone=found.config.time_zone,
        slots=[
            Slot(
                utcTime=intake.utc_text(s.start),
                localTime=s.start.astimezone(zone).isoformat(timespec="milliseconds"),
                capacity=s.available,
                total=s.capacity,
            )
            for s in shown
        ],
    )


async def _slots(
    api: ApiRequest,
    service: str,
    runtime: RuntimeDep,
    start_text: str | None,
    end_text: str | None,
    days: int,
) -> tuple[Service, list[callbacks.SlotAvailability]]:
    found = await intake.service_named(api.session, service, caller=api.caller)
    now = runtime.clock.now()
    start = intake.utc_time(start_text, field="start") if start_text else now
    end = intake.utc_time(end_text, field="end") if end_text else start + timedelta(days=days)
    if end <= start:
        raise invalid("invalid-range", "end must be after start", field="end")
    if end - start > timedelta(days=MAX_DAYS):
        raise invalid("invalid-range", f"ask for at most {MAX_DAYS} days at once", field="end")
    if CallbackType.SCHEDULED not in found.config.types:
        return found, []  # nothing to book: callbacks on this service are not scheduled
    slots = await callbacks.availability(api.session, service=found, start=start, end=end, now=now)
    return found, slots


@v1.get(
    "/{service}",
    response_model=None,
    responses=RECORDS | REFUSALS,
    operation_id="gms_search_callbacks",
    summary="Find callbacks by their properties (GMS)",
)
async def search_callbacks(
    service: str,
    request: Request,
    api: CompatUnit,
    operand: Annotated[
        str,
        Query(
            pattern="^(?i:and|or)$",
            description="How the other query keys combine. Any key matches a property: "
            "_customer_number, _callback_state, _callback_reason, or a data key.",
        ),
    ] = "AND",
) -> JSONResponse:
    """The service's callbacks whose properties match the query keys, newest first (at most
    100)."""
    found = await intake.service_named(api.session, service, caller=api.caller)
    keys = {k: v for k, v in request.query_params.items() if k != "operand"}
    phone = None
    if "_customer_number" in keys:
        phone = normalise_phone(
            keys.pop("_customer_number"), found.config.default_region, field="_customer_number"
        )
    state, reason = keys.pop("_callback_state", None), keys.pop("_callback_reason", None)
    states = None
    if state is not None or reason is not None:
        states = intake.states_for_gms(state, reason)
        if state is not None and not intake.states_for_gms(state):
            raise invalid(
                "invalid-state",
                f"{state!r} is not a callback state (SCHEDULED, QUEUED, ROUTING, PROCESSING, "
                "COMPLETED)",
                field="_callback_state",
            )
    rows = await repository.search(
        api.session,
        service_id=found.id,
        phone=phone,
        states=states,
        data=keys,
        any_of=operand.upper() == "OR",
        limit=SEARCH_LIMIT,
    )
    return JSONResponse([record(row, found) for row in rows])


@v1.put(
    "/{service}/{callback_id}",
    response_model=CallbackId,
    responses=REFUSALS,
    openapi_extra=form_or_json(_UPDATE_BODY),
    operation_id="gms_update_callback",
    summary="Reschedule a callback (GMS)",
)
async def update_callback(
    service: str, callback_id: str, request: Request, api: CompatUnit, runtime: RuntimeDep
) -> dict[str, str]:
    """``_new_desired_time`` moves a waiting callback; other fields are added to its data."""
    body = await fields(request)
    callback, _ = await _callback_of(api, service, callback_id)
    wanted = _text(body, "_new_desired_time")
    extra = _data(body, ("_new_desired_time",))
    if wanted is None and not extra:
        raise invalid("desired-time-required", "send _new_desired_time", field="_new_desired_time")
    if wanted is not None:
        callback, _ = await callbacks.reschedule_callback(
            api.session,
            callback_id=callback.id,
            desired_time=intake.utc_time(wanted, field="_new_desired_time"),
            caller=api.caller,
            now=runtime.clock.now(),
        )
    if extra:
        try:
            callback.data = _DATA_MAP.validate_python({**callback.data, **extra})
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"][:1]) or "data"
            raise invalid("invalid-request", f"{where}: {error['msg']}", field=where) from None
    return {"_id": str(callback.id)}


@v1.delete(
    "/{service}/{callback_id}",
    response_class=Response,
    responses=REFUSALS | {200: {"description": "Cancelled"}},
    operation_id="gms_cancel_callback",
    summary="Cancel a callback (GMS)",
)
async def cancel_callback(
    service: str, callback_id: str, api: CompatUnit, runtime: RuntimeDep
) -> Response:
    """Cancel a callback no agent has taken yet; its slot is freed."""
    callback, _ = await _callback_of(api, service, callback_id)
    await callbacks.cancel_callback(
        api.session,
        callback_id=callback.id,
        caller=api.caller,
        now=runtime.clock.now(),
        reason="cancelled through the GMS API",
    )
    return Response(status_code=200)


async def _callback_of(api: ApiRequest, service: str, callback_id: str) -> tuple[Callback, Service]:
    """The callback, locked, if it is on the service the path names."""
    if callback_id == "availability":  # the slots' path, which only GET reads
        raise RingbackError(
            "method-not-allowed",
            "availability is read with GET",
            status=405,
            headers={"Allow": "GET"},
        )
    found = await intake.service_named(api.session, service, caller=api.caller)
    try:
        wanted = uuid.UUID(callback_id)
    except ValueError:
        raise not_found("callback-not-found", f"there is no callback {callback_id!r}") from None
    callback, on = await callbacks.get_callback(
        api.session, callback_id=wanted, caller=api.caller, for_update=True
    )
    if on.id != found.id:
        raise not_found("callback-not-found", f"there is no callback {callback_id} on {service}")
    return callback, on
