"""The switch protocol's messages as JSON: what the switch service and its clients exchange.

docs/switch-protocol.md describes them for people; this module is their one definition in code.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ringback.telephony.switch import EVENT_TYPES, EventPosition, SwitchEvent

# Shapes only: what a value means (an unknown call, digits that are not DTMF) is the driver's
# to refuse, with the same SwitchError codes as in-process.
CallId = Field(max_length=64)
Address = Field(max_length=120)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_id: str = CallId


class MakeCall(Request):
    place: str = Address
    destination: str = Address
    caller_id: str | None = Field(default=None, max_length=16)
    ring_seconds: float | None = Field(default=None, gt=0, le=600, allow_inf_nan=False)


class Answer(Request):
    address: str = Address


class ToDestination(Request):
    destination: str = Address


class Consultation(Request):
    consultation_id: str = CallId


class InitConsultation(Consultation):
    destination: str = Address


class Dtmf(Request):
    digits: str = Field(max_length=32)


# Every request of telephony.switch.Switch, by the name of its method, with its arguments.
REQUESTS: dict[str, type[Request]] = {
    "make_call": MakeCall,
    "answer": Answer,
    "release": Request,
    "hold": Request,
    "retrieve": Request,
    "single_step_transfer": ToDestination,
    "single_step_conference": ToDestination,
    "init_consultation": InitConsultation,
    "complete_transfer": Consultation,
    "complete_conference": Consultation,
    "cancel_consultation": Consultation,
    "send_dtmf": Dtmf,
}


class Hello(BaseModel):
    """The first message on the event stream: which run of the switch this is, and what it kept."""

    type: str = "hello"
    epoch: str
    started_at: str = Field(description="When this run of the switch started (ISO 8601, UTC).")
    first_id: int = Field(description="The oldest event id still kept (1 until events are shed).")
    last_id: int = Field(description="The newest event id so far (0 before the first event).")


def event_json(event: SwitchEvent) -> dict[str, Any]:
    """An event as the stream sends it: its fields, its ``type`` and its ``id``."""
    kind = type(event).__name__
    body: dict[str, Any] = _adapters()[kind].dump_python(event, mode="json", exclude={"position"})
    body["type"] = kind
    if event.position is not None:
        body["id"] = event.position.id
    return body


def event_from_json(body: dict[str, Any], *, epoch: str) -> SwitchEvent:
    """The event a stream message carries, with its position in the switch's run ``epoch``."""
    fields = dict(body)
    adapter = _adapters()[fields.pop("type")]
    event_id = int(fields.pop("id"))
    event: SwitchEvent = adapter.validate_python(fields)
    return dataclasses.replace(event, position=EventPosition(epoch, event_id))


@cache
def _adapters() -> dict[str, TypeAdapter[Any]]:
    return {kind.__name__: TypeAdapter(kind) for kind in EVENT_TYPES}
