"""Genesys Cloud's callback API: ``/api/v2/conversations/callbacks``, as its SDKs call it.

The conversation id, the ACD callback identifier and Ringback's callback id are one value. A
time without an offset is read as UTC (the SDKs send a naive datetime that way). Refusals come
in the vendor's error shape with Ringback's stable code in ``code``, with the vendor's statuses:
400 for every invalid request, a full slot or a conflict, then 401, 403, 404 and 429.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from ringback.agents.models import Agent
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.states import TERMINAL_STATES, CallbackState
from ringback.compat import intake, repository
from ringback.compat.http import CompatUnit, vendor_route
from ringback.config.repository import Service
from ringback.errors import RingbackError, invalid, not_found
from ringback.interactions.models import Interaction
from ringback.interactions.states import InteractionState
from ringback.routing.policy import REQUIRED_SKILLS_KEY, required_skills
from ringback.runtime import RuntimeDep

TAG = "genesys-cloud"
PREFIX = "/api/v2/conversations/callbacks"
# The data keys of what a request carries that Ringback keeps but does not act on.
KEPT = "genesys."
STATE_ATTRIBUTE = "ringback.state"


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if not isinstance(value, str):
        raise PydanticCustomError("invalid-time", "must be an ISO 8601 date and time, as a string")
    try:
        return intake.utc_time(value, field="time")
    except RingbackError:
        raise PydanticCustomError(
            "invalid-time", "must be an ISO 8601 date and time (without an offset: UTC)"
        ) from None


GenesysTime = Annotated[
    datetime,
    BeforeValidator(_time),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601; without an offset, UTC.",
        }
    ),
]
Text = Annotated[str, Field(max_length=1000)]


class ErrorDetail(BaseModel):
    errorCode: str
    fieldName: str | None = None


class GenesysError(BaseModel):
    """The vendor's error body; ``code`` is Ringback's stable code (docs/api.md)."""

    message: str
    code: str = Field(examples=["slot-full"])
    status: int
    contextId: str
    details: list[ErrorDetail]
    errors: list[Any] = Field(default_factory=list)
    messageWithParams: str
    messageParams: dict[str, str]


def _render(error: RingbackError, request: Request) -> JSONResponse:
    status = 400 if error.status in (409, 422) else error.status
    params = {"field": error.field} if error.field else {}
    for name, value in error.extra.items():
        params[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    body = GenesysError(
        message=error.detail,
        code=error.code,
        status=status,
        contextId=str(uuid.uuid4()),
        details=[ErrorDetail(errorCode=error.code, fieldName=error.field)],
        messageWithParams=error.detail,
        messageParams=params,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=error.headers
    )


REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": GenesysError, "description": description}
    for status, description in (
        (400, "Bad Request: an invalid field, a full slot, a duplicate or a conflict"),
        (401, "Unauthorized"),
        (403, "Forbidden: a queue outside the key's services"),
        (404, "Not Found"),
        (429, "Too Many Requests (Retry-After)"),
    )
}

router = APIRouter(prefix=PREFIX, tags=[TAG], route_class=vendor_route(_render))


class RoutingData(BaseModel):
    model_config = ConfigDict(extra="allow")

    queueId: Text | None = None
    languageId: Text | None = None
    label: Text | None = None
    priority: int | None = Field(
        default=None,
        ge=-100,
        le=100,
        description="Added to the service's priority (0, the vendor's default, changes nothing).",
    )
    skillIds: list[Text] | None = Field(
        default=None,
        max_length=50,
        description="Skill names agents must have, besides the queue's.",
    )
    skillExpression: Text | None = None
    preferredAgentIds: list[Text] | None = Field(
        default=None, max_length=50, description="Agent logins; the first active one is kept."
    )
    scoredAgents: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    routingFlags: list[Text] | None = Field(default=None, max_length=50)


class CreateCallbackCommand(BaseModel):
    model_config = ConfigDict(extra="allow")

    scriptId: Text | None = None
    queueId: Text | None = Field(default=None, description="A service's name or alias.")
    routingData: RoutingData | None = None
    customerFirstCallbackDeliveryMode: Text | None = None
    callbackUserName: str | None = Field(default=None, max_length=200)
    callbackNumbers: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=10)
    callbackScheduledTime: GenesysTime | None = None
    countryCode: str | None = Field(
        default=None, min_length=2, max_length=2, description="Region of national numbers."
    )
    validateCallbackNumbers: bool = False
    data: dict[Annotated[str, Field(min_length=1, max_length=64)], Text] | None = Field(
        default=None, max_length=40
    )
    callerId: Text | None = None
    callerIdName: Text | None = None


class EntityRef(BaseModel):
    id: str
    name: str | None = None
    selfUri: str | None = None


class CallbackIdentifier(BaseModel):
    type: str = Field(examples=["ACD"])
    id: str


class CreateCallbackResponse(BaseModel):
    conversation: EntityRef
    callbackIdentifiers: list[CallbackIdentifier]


class PatchCallbackRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    conversationId: str = Field(max_length=100)
    queueId: Text | None = None
    agentId: Text | None = Field(default=None, description="An agent login, kept as preferred.")
    callbackScheduledTime: GenesysTime | None = None
    countryCode: str | None = Field(default=None, min_length=2, max_length=2)
    callbackNumbers: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=10
    )
    validateCallbackNumbers: bool = False
    customerFirstCallbackDeliveryMode: Text | None = None


class CallbackDisconnectIdentifier(BaseModel):
    conversationId: str | None = Field(default=None, max_length=100)
    callbackId: str | None = Field(default=None, max_length=100)


class BulkCallbackDisconnectRequest(BaseModel):
    callbackDisconnectIdentifiers: list[CallbackDisconnectIdentifier] = Field(
        min_length=1, max_length=100
    )


class CallbackParticipant(BaseModel):
    id: str
    name: str | None = None
    address: str | None = None
    purpose: str = Field(examples=["customer", "acd", "agent"])
    state: str = Field(examples=["alerting", "dialing", "connected", "disconnected"])
    direction: str | None = None
    held: bool | None = None
    disconnectType: str | None = None
    startTime: datetime | None = None
    connectedTime: datetime | None = None
    endTime: datetime | None = None
    user: EntityRef | None = None
    queue: EntityRef | None = None
    script: EntityRef | None = None
    attributes: dict[str, str] | None = None
    callbackNumbers: list[str] | None = None
    callbackUserName: str | None = None
    callbackScheduledTime: datetime | None = None


class CallbackConversation(BaseModel):
    id: str
    name: str | None = None
    participants: list[CallbackParticipant]
    selfUri: str


def _self_uri(callback_id: uuid.UUID) -> str:
    return f"{PREFIX}/{callback_id}"


def _created(callback_id: uuid.UUID) -> CreateCallbackResponse:
    return CreateCallbackResponse(
        conversation=EntityRef(id=str(callback_id), selfUri=_self_uri(callback_id)),
        callbackIdentifiers=[CallbackIdentifier(type="ACD", id=str(callback_id))],
    )


def _kept(body: BaseModel, prefix: str, meaningful: set[str]) -> dict[str, str]:
    """Fields sent that Ringback does not act on, as data: never silently lost."""
    kept: dict[str, str] = {}
    values = body.model_dump(exclude_none=True)
    for name, value in values.items():
        if name in meaningful:
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = ",".join(value)
        else:
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        kept[f"{KEPT}{prefix}{name}"] = text
    return kept


_CREATE_MEANING = {
    "queueId",
    "routingData",
    "callbackUserName",
    "callbackNumbers",
    "callbackScheduledTime",
    "countryCode",
    "validateCallbackNumbers",
    "data",
}
_ROUTING_MEANING = {"queueId", "priority", "preferredAgentIds", "skillIds"}
# Ringback's fields by the vendor's, for refusals.
_FIELDS = {"name": "callbackUserName", "phone": "callbackNumbers", "data": "data"}


@router.post(
    "",
    response_model=CreateCallbackResponse,
    response_model_exclude_none=True,
    responses=REFUSALS,
    operation_id="genesys_create_callback",
    summary="Create a callback (Genesys Cloud)",
)
async def create_callback(
    body: CreateCallbackCommand,
    api: CompatUnit,
    runtime: RuntimeDep,
    idempotency_key: Annotated[
        str | None,
        Header(min_length=1, max_length=255, pattern=r"^[!-~]+$", description="As on Ringback's."),
    ] = None,
) -> CreateCallbackResponse:
    """A callback on the service ``queueId`` (or ``routingData.queueId``) names."""
    routing = body.routingData or RoutingData()
    queue = body.queueId or routing.queueId
    if queue is None:
        raise invalid("queue-required", "name the queue: queueId", field="queueId")
    found = await intake.service_named(api.session, queue, caller=api.caller)
    numbers = intake.pick_numbers(
        body.callbackNumbers,
        region=(body.countryCode or found.config.default_region).upper(),
        strict=body.validateCallbackNumbers,
        field="callbackNumbers",
    )
    data = dict(body.data or {})
    data |= _kept(body, "", _CREATE_MEANING)
    data |= _kept(routing, "routingData.", _ROUTING_MEANING)
    if queue != found.name:
        data[f"{KEPT}queueId"] = queue
    if routing.preferredAgentIds:
        data[f"{KEPT}routingData.preferredAgentIds"] = ",".join(routing.preferredAgentIds)
    if routing.skillIds:  # routed only to agents with these skills too, by name
        wanted = required_skills(data) | {s.strip() for s in routing.skillIds if s.strip()}
        data[REQUIRED_SKILLS_KEY] = ",".join(sorted(wanted))
    settings = runtime.settings
    result = await intake.ask(
        api.session,
        intake.Ask(
            service=found,
            numbers=numbers,
            desired_time=body.callbackScheduledTime,
            name=body.callbackUserName,
            data=data,
            priority_boost=routing.priority or 0,
            preferred_agents=routing.preferredAgentIds or (),
        ),
        caller=api.caller,
        now=runtime.clock.now(),
        idempotency_key=idempotency_key,
        phone_budget=callbacks.PhoneBudget(
            settings.rate_limit_per_phone_per_hour, timedelta(hours=1)
        ),
        fields=_FIELDS,
    )
    if result.created:
        runtime.metrics.callbacks_created.labels(
            service=result.service.name, type=result.callback.type
        ).inc()
    return _created(result.callback.id)


@router.patch(
    "",
    response_model=CreateCallbackResponse,
    response_model_exclude_none=True,
    responses=REFUSALS,
    operation_id="genesys_update_callback",
    summary="Update a scheduled callback (Genesys Cloud)",
)
async def update_callback(
    body: PatchCallbackRequest, api: CompatUnit, runtime: RuntimeDep
) -> CreateCallbackResponse:
    """Move a waiting callback (``callbackScheduledTime``), keep it for an agent (``agentId``),
    or change the numbers kept beside the one called (``callbackNumbers``)."""
    now = runtime.clock.now()
    callback_id = _conversation_id(body.conversationId)
    callback, found = await callbacks.get_callback(
        api.session, callback_id=callback_id, caller=api.caller, for_update=True
    )
    if body.queueId is not None:
        asked = await intake.service_named(api.session, body.queueId, caller=api.caller)
        if asked.id != found.id:
            raise invalid(
                "queue-change-unsupported",
                f"the callback is on {found.name}; to move it to {asked.name}, cancel it and "
                "ask for a new one there",
                field="queueId",
            )
    if body.callbackNumbers is not None:
        _renumber(callback, found, body)
    if body.callbackScheduledTime is not None:
        callback, found = await callbacks.reschedule_callback(
            api.session,
            callback_id=callback_id,
            desired_time=body.callbackScheduledTime,
            caller=api.caller,
            now=now,
        )
    if body.agentId is not None and not await intake.reserve(
        api.session, callback, found, [body.agentId], now
    ):
        raise invalid(
            "agent-not-found", f"there is no active agent {body.agentId!r}", field="agentId"
        )
    return _created(callback.id)


def _renumber(callback: Callback, service: Service, body: PatchCallbackRequest) -> None:
    assert body.callbackNumbers is not None
    numbers = intake.pick_numbers(
        body.callbackNumbers,
        region=(body.countryCode or service.config.default_region).upper(),
        strict=body.validateCallbackNumbers,
        field="callbackNumbers",
    )
    if numbers.called != callback.phone:
        raise invalid(
            "callback-number-change-unsupported",
            f"the callback calls {callback.phone}; to call {numbers.called} instead, cancel it "
            "and ask for a new one (the other numbers may change: they are kept beside it)",
            field="callbackNumbers",
        )
    data = {k: v for k, v in callback.data.items() if k != intake.ALTERNATES_KEY}
    if numbers.alternates:
        data[intake.ALTERNATES_KEY] = ", ".join(numbers.alternates)
    callback.data = data


@router.get(
    "/{conversationId}",
    response_model=CallbackConversation,
    response_model_exclude_none=True,
    responses=REFUSALS,
    operation_id="genesys_get_callback",
    summary="Get a callback conversation (Genesys Cloud)",
)
async def get_callback(conversationId: str, api: CompatUnit) -> CallbackConversation:
    """The callback as a conversation: the customer, the queue, and each agent it was offered to."""
    callback, found = await callbacks.get_callback(
        api.session, callback_id=_conversation_id(conversationId), caller=api.caller
    )
    handlings = await repository.handlings(api.session, callback.id)
    return conversation(callback, found, handlings)


@router.post(
    "/bulk/disconnect",
    status_code=202,
    response_class=Response,
    responses=REFUSALS,
    operation_id="genesys_disconnect_callbacks",
    summary="Disconnect scheduled callbacks (Genesys Cloud)",
)
async def disconnect_callbacks(
    body: BulkCallbackDisconnectRequest, api: CompatUnit, runtime: RuntimeDep
) -> Response:
    """Cancel each callback (all or none); one that has already ended is left as it is."""
    now = runtime.clock.now()
    for index, identifier in enumerate(body.callbackDisconnectIdentifiers):
        given = identifier.conversationId or identifier.callbackId
        if given is None:
            raise invalid(
                "conversation-id-required",
                "each identifier needs a conversationId (or callbackId)",
                field=f"callbackDisconnectIdentifiers[{index}].conversationId",
            )
        callback_id = _conversation_id(given)
        callback, _ = await callbacks.get_callback(
            api.session, callback_id=callback_id, caller=api.caller
        )
        if callback.state in TERMINAL_STATES:
            continue
        await callbacks.cancel_callback(
            api.session,
            callback_id=callback_id,
            caller=api.caller,
            now=now,
            reason="disconnected through the Genesys Cloud API",
        )
    return Response(status_code=202)


def _conversation_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise not_found("callback-not-found", f"there is no callback {text!r}") from None


# The customer's participant, by the callback's state.
_CUSTOMER_STATES = {
    CallbackState.SCHEDULED: "alerting",
    CallbackState.QUEUED: "alerting",
    CallbackState.OFFERED: "alerting",
    CallbackState.ACCEPTED: "alerting",
    CallbackState.DIALING: "dialing",
    CallbackState.CONNECTED: "connected",
}
_ENDINGS = {
    CallbackState.COMPLETED: "endpoint",
    CallbackState.CANCELLED: "client",
    CallbackState.FAILED: "error",
    CallbackState.EXPIRED: "system",
}
_IN_QUEUE = {CallbackState.SCHEDULED, CallbackState.QUEUED, CallbackState.OFFERED}
# An agent's participant, by the interaction's state.
_AGENT_STATES = {
    InteractionState.OFFERED: "alerting",
    InteractionState.PREVIEW: "connected",
    InteractionState.DIALING: "dialing",
    InteractionState.RINGING: "dialing",
    InteractionState.CONNECTED: "connected",
    InteractionState.ON_HOLD: "connected",
    InteractionState.READY_TO_CALL: "connected",
}
_AGENT_ENDINGS = {
    InteractionState.DONE: "endpoint",
    InteractionState.TRANSFERRED: "transfer",
    InteractionState.REJECTED: "client",
    InteractionState.TIMED_OUT: "transfer.noanswer",
    InteractionState.WITHDRAWN: "system",
}


def queue_ref(callback: Callback, service: Service) -> EntityRef:
    """The queue as the client knows it: the id it asked with, else the service's first alias."""
    asked = callback.data.get(f"{KEPT}queueId")
    if isinstance(asked, str):
        queue_id = asked
    else:
        queue_id = service.config.aliases[0] if service.config.aliases else service.name
    return EntityRef(id=queue_id, name=service.config.display_name or service.name)


def conversation(
    callback: Callback, service: Service, handlings: Sequence[tuple[Interaction, Agent]]
) -> CallbackConversation:
    """A stored callback as the vendor's callback conversation."""
    ended = callback.state in TERMINAL_STATES
    data = {k: str(v) for k, v in callback.data.items()}
    alternates = [n.strip() for n in data.get(intake.ALTERNATES_KEY, "").split(",") if n.strip()]
    attributes = {
        k: v for k, v in data.items() if not k.startswith(KEPT) and k != intake.ALTERNATES_KEY
    }
    attributes[STATE_ATTRIBUTE] = str(callback.state)
    queue = queue_ref(callback, service)
    script = data.get(f"{KEPT}scriptId")
    customer = CallbackParticipant(
        id=str(uuid.uuid5(callback.id, "customer")),
        name=callback.customer_name,
        address=f"tel:{callback.phone}",
        purpose="customer",
        state="disconnected" if ended else _CUSTOMER_STATES[callback.state],
        direction="outbound",
        disconnectType=_ENDINGS.get(callback.state),
        startTime=callback.created_at,
        endTime=callback.updated_at if ended else None,
        queue=queue,
        script=EntityRef(id=script) if script else None,
        attributes=attributes,
        callbackNumbers=[callback.phone, *alternates],
        callbackUserName=callback.customer_name,
        callbackScheduledTime=callback.desired_time,
    )
    in_queue = callback.state in _IN_QUEUE
    acd = CallbackParticipant(
        id=str(uuid.uuid5(callback.id, "acd")),
        name=queue.name,
        purpose="acd",
        state="connected" if in_queue else "disconnected",
        disconnectType=None if in_queue else _ENDINGS.get(callback.state, "transfer"),
        startTime=callback.created_at,
        queue=queue,
    )
    agents = [_agent(interaction, agent) for interaction, agent in handlings]
    return CallbackConversation(
        id=str(callback.id),
        name=callback.customer_name,
        participants=[customer, acd, *agents],
        selfUri=_self_uri(callback.id),
    )


def _agent(interaction: Interaction, agent: Agent) -> CallbackParticipant:
    state = interaction.state
    ended = state in _AGENT_ENDINGS
    return CallbackParticipant(
        id=str(interaction.id),
        name=agent.name,
        purpose="agent",
        state="disconnected" if ended else _AGENT_STATES.get(state, "connected"),
        held=state is InteractionState.ON_HOLD,
        disconnectType=_AGENT_ENDINGS.get(state),
        startTime=interaction.offered_at,
        connectedTime=interaction.accepted_at,
        endTime=interaction.ended_at,
        user=EntityRef(id=agent.login, name=agent.name),
    )
