"""Imports every table so that the metadata is complete (for migrations and tests)."""

from ringback.apikeys.models import ApiKey, RateLimitWindow
from ringback.callbacks.models import Callback, CallbackHistory, IdempotencyKey, SlotBooking
from ringback.config.models import DispositionCodeRow, NotReadyReasonRow, QueueRow, ServiceRow
from ringback.db import Base
from ringback.outbox import OutboxEvent

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "Callback",
    "CallbackHistory",
    "DispositionCodeRow",
    "IdempotencyKey",
    "NotReadyReasonRow",
    "OutboxEvent",
    "QueueRow",
    "RateLimitWindow",
    "ServiceRow",
    "SlotBooking",
    "metadata",
]
