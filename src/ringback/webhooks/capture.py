"""Capturing each change of a callback as a webhook event, in the transaction that makes it.

:func:`ringback.outbox.record` calls :func:`capture` for every ``callback.*`` event, right after
the callback's history row is written and while the callback object holds the new state. The
event row commits with the change or not at all, and keeps the callback as it was then: a
transaction that accepts and dials a callback captures two events, each with its own state.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from ringback.callbacks.models import Callback
from ringback.db import new_id
from ringback.webhooks.events import event_type
from ringback.webhooks.models import WebhookEvent

# The columns the Callback API shows (callbacks.schemas.callback_read reads these).
SNAPSHOT_COLUMNS = (
    "id",
    "service_id",
    "phone",
    "customer_name",
    "customer_time_zone",
    "type",
    "channel",
    "state",
    "desired_time",
    "due_at",
    "slot_start",
    "queued_at",
    "priority",
    "attempts",
    "data",
    "instructions",
    "created_at",
    "updated_at",
)
_TIMES = frozenset(
    {"desired_time", "due_at", "slot_start", "queued_at", "created_at", "updated_at"}
)


def capture(session: AsyncSession, payload: dict[str, Any], *, at: datetime) -> None:
    """Add the webhook event for one recorded change of a callback (see the module's text)."""
    if event_type(payload["event"], payload["from"], payload["to"]) is None:
        return
    callback = _callback_in(session, uuid.UUID(payload["callback_id"]))
    row = event_row(callback, payload, at=at)
    assert row is not None
    session.add(WebhookEvent(**row))


def event_row(
    callback: Callback, payload: dict[str, Any], *, at: datetime
) -> dict[str, Any] | None:
    """The columns of the webhook event for a change of ``callback`` (as it is after the change)
    whose outbox payload is ``payload``; None for a change that sends no webhook."""
    kind = event_type(payload["event"], payload["from"], payload["to"])
    if kind is None:
        return None
    return {
        "id": new_id(),
        "type": str(kind),
        "callback_id": callback.id,
        "service_id": callback.service_id,
        "occurred_at": at,
        "callback": snapshot(callback),
        "change": {"event": payload["event"], "from": payload["from"], "to": payload["to"]},
    }


def snapshot(callback: Callback) -> dict[str, Any]:
    """The callback's shown columns as JSON values."""
    values: dict[str, Any] = {}
    for column in SNAPSHOT_COLUMNS:
        value = getattr(callback, column)
        if column in _TIMES:
            value = value.isoformat() if value is not None else None
        elif column == "id":
            value = str(value)
        elif column == "data":
            value = dict(value)
        elif isinstance(value, str):
            value = str(value)  # an enum's value
        values[column] = value
    return values


def restore(values: dict[str, Any]) -> Callback:
    """A detached Callback with the captured columns, for rendering as the API shows it."""
    restored: dict[str, Any] = dict(values)
    restored["id"] = uuid.UUID(values["id"])
    for column in _TIMES:
        text = values.get(column)
        restored[column] = datetime.fromisoformat(text) if text is not None else None
    return Callback(**restored)


def _callback_in(session: AsyncSession, callback_id: uuid.UUID) -> Callback:
    # The change was just made to this object: it is in the session, loaded or newly added.
    found = session.identity_map.get(identity_key(Callback, callback_id))
    if isinstance(found, Callback):
        return found
    for pending in session.new:
        if isinstance(pending, Callback) and pending.id == callback_id:
            return pending
    raise LookupError(f"callback {callback_id} changed outside this session")
