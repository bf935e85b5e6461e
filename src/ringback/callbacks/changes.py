"""What a change of a callback announces: the topic and payload of its outbox event."""

from __future__ import annotations

from typing import Any

from ringback.callbacks.models import Callback
from ringback.callbacks.states import CallbackEvent, Transition


def topic(callback: Callback) -> str:
    return f"callback.{callback.state}"


def payload(callback: Callback, step: Transition | None) -> dict[str, Any]:
    """The outbox payload of a change (``step`` None: the callback was just created)."""
    return {
        "callback_id": str(callback.id),
        "service_id": callback.service_id,
        "event": str(step.event if step else CallbackEvent.CREATE),
        "from": str(step.source) if step else None,
        "to": str(callback.state),
        "due_at": callback.due_at.isoformat() if callback.due_at else None,
    }
