"""The rows of a new callback request, written in one statement where the database allows.

A request writes a callback, its first history row, a line in its contact's history, its
outbox event and webhook event and, for a number not seen before, the contact and its number.
The unit of work would flush these one object at a time; intake is the busiest write there is,
so they are built here as plain values and written together (``repository.write_request``).
The callback is then in the session as if loaded, so anything that changes it afterwards in
the same transaction is written as usual.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ringback import outbox
from ringback.callbacks import changes, repository
from ringback.callbacks.models import Callback
from ringback.callbacks.phones import phone_time_zone
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackEvent, CallbackState, Channel
from ringback.callbacks.timing import Plan
from ringback.config.repository import Service
from ringback.contacts.models import ContactHistoryKind
from ringback.contacts.normalise import fold, split_name
from ringback.db import new_id
from ringback.outbox import OutboxEvent
from ringback.webhooks.capture import event_row


def reason(request: CallbackCreate) -> str:
    """The reason of a new callback's first history row."""
    return f"requested via {request.channel}"


def contact_history_text(request: CallbackCreate, service: Service) -> str:
    """The line a new callback adds to its contact's history."""
    return f"{request.type} callback requested via {request.channel} on {service.name}"


def contact_names(name: str | None) -> dict[str, str]:
    """A contact's name columns and their search keys, from the name a request gave."""
    first, last = (part.strip() for part in split_name(name))
    return {
        "first_name": first,
        "last_name": last,
        "first_key": fold(first),
        "last_key": fold(last),
        "name_key": fold(f"{first} {last}"),
    }


async def write(
    session: AsyncSession,
    *,
    request: CallbackCreate,
    caller_actor: str,
    api_key_id: int | None,
    now: datetime,
    service: Service,
    phone: str,
    plan: Plan,
    on_file: repository.NumberOnFile,
    slot_start: datetime | None,
) -> Callback:
    """Write the request's rows (see the module's text); the caller checked every rule."""
    callback_id = new_id()
    contact = contact_phone = None
    contact_id = on_file.contact_id
    if contact_id is None:
        contact_id = new_id()
        contact = {
            "id": contact_id,
            **contact_names(request.name),
            "merged_into": None,
            "created_at": now,
            "updated_at": now,
        }
        contact_phone = {"contact_id": contact_id, "number": phone, "label": "", "position": 0}
    elif not on_file.contact_named and request.name and request.name.strip():
        # Known until now only by number (an IVR caller): the name is news, not a conflict.
        await repository.rename_unnamed_contact(
            session, contact_id, contact_names(request.name), now=now
        )
    callback = {
        "id": callback_id,
        "service_id": service.id,
        "queue_id": service.queue_id,
        "phone": phone,
        "customer_name": request.name,
        "customer_time_zone": request.time_zone or phone_time_zone(phone),
        "customer_email": request.email,
        "customer_language": request.language,
        "type": request.type,
        "channel": Channel(request.channel),
        "state": plan.state,
        "desired_time": plan.desired_time,
        "due_at": plan.due_at,
        "slot_start": slot_start,
        "queued_at": now if plan.state is CallbackState.QUEUED else None,
        "priority": service.config.priority,
        "attempts": 0,
        "last_result": None,
        "contacted_at": None,
        "reserved_agent_id": None,
        "reserved_until": None,
        "contact_id": contact_id,
        "data": dict(request.data),
        "instructions": request.instructions,
        "api_key_id": api_key_id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    created = Callback(**callback)
    payload = changes.payload(created, None)
    await repository.write_request(
        session,
        repository.RequestRows(
            callback=callback,
            history={
                "callback_id": callback_id,
                "at": now,
                "actor": caller_actor,
                "event": CallbackEvent.CREATE,
                "from_state": None,
                "to_state": plan.state,
                "reason": reason(request),
            },
            contact_history={
                "contact_id": contact_id,
                "at": now,
                "kind": ContactHistoryKind.CALLBACK,
                "interaction_id": None,
                "callback_id": callback_id,
                "email_message_id": None,
                "agent_login": None,
                "text": contact_history_text(request, service),
            },
            outbox={"topic": changes.topic(created), "payload": payload, "created_at": now},
            webhook_event=event_row(created, payload, at=now),
            contact=contact,
            contact_phone=contact_phone,
        ),
        created,
    )
    # The outbox row is written above, not by the unit of work: announce it for the commit.
    outbox.announce(
        session, OutboxEvent(topic=changes.topic(created), payload=payload, created_at=now)
    )
    return created
