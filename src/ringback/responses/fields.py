"""The values a response's fields take during an interaction."""

from __future__ import annotations

import phonenumbers

from ringback.callbacks.models import Callback
from ringback.config.repository import Service
from ringback.contacts.models import Contact
from ringback.responses.rendering import callback_time_for_customer


def substitution_fields(
    *,
    contact: Contact | None = None,
    agent_name: str | None = None,
    callback: Callback | None = None,
    service: Service | None = None,
    locale_hint: str | None = None,
) -> dict[str, str | None]:
    """Every field render_response knows, from what the interaction has (None where it has not)."""
    desired_time = phone = None
    if callback is not None:
        desired_time = callback_time_for_customer(
            callback.desired_time,
            callback.customer_time_zone,
            service.config.time_zone if service is not None else "UTC",
            locale_hint,
        )
        phone = phonenumbers.format_number(
            phonenumbers.parse(callback.phone), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    return {
        "contact.first_name": contact.first_name if contact else None,
        "contact.last_name": contact.last_name if contact else None,
        "contact.name": contact.display_name if contact else None,
        "agent.name": agent_name,
        "callback.desired_time": desired_time,
        "callback.phone": phone,
        "service.name": (service.config.display_name or service.name) if service else None,
    }
