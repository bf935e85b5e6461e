"""Imports every table so that the metadata is complete (for migrations and tests)."""

from ringback.agents.models import (
    Agent,
    AgentChannelStatus,
    AgentFavorite,
    AgentSession,
    AgentStatusHistory,
)
from ringback.apikeys.models import ApiKey, RateLimitWindow
from ringback.callbacks.models import Callback, CallbackHistory, IdempotencyKey, SlotBooking
from ringback.config.models import (
    ConfigSectionRow,
    DispositionCodeRow,
    NotReadyReasonRow,
    QueueRow,
    RoutingPointRow,
    ServiceRow,
)
from ringback.contacts.models import Contact, ContactEmail, ContactHistory, ContactPhone
from ringback.customers.models import SigningKey
from ringback.db import Base
from ringback.email.models import EmailMessage
from ringback.interactions.models import AgentEvent, Interaction, InteractionHistory
from ringback.outbox import OutboxEvent
from ringback.responses.models import StandardResponse, StandardResponseService
from ringback.telephony.models import SwitchCursor
from ringback.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

metadata = Base.metadata

__all__ = [
    "Agent",
    "AgentChannelStatus",
    "AgentEvent",
    "AgentFavorite",
    "AgentSession",
    "AgentStatusHistory",
    "ApiKey",
    "Callback",
    "CallbackHistory",
    "ConfigSectionRow",
    "Contact",
    "ContactEmail",
    "ContactHistory",
    "ContactPhone",
    "DispositionCodeRow",
    "EmailMessage",
    "IdempotencyKey",
    "Interaction",
    "InteractionHistory",
    "NotReadyReasonRow",
    "OutboxEvent",
    "QueueRow",
    "RateLimitWindow",
    "RoutingPointRow",
    "ServiceRow",
    "SigningKey",
    "SlotBooking",
    "StandardResponse",
    "StandardResponseService",
    "SwitchCursor",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "metadata",
]
