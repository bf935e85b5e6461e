"""What every interaction use case shares: loading with access checks, transitions, history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents.models import Agent
from ringback.callbacks import repository as callback_repository
from ringback.callbacks.models import Callback
from ringback.config import repository as config_repository
from ringback.config.repository import Service
from ringback.errors import RingbackError, not_found
from ringback.interactions import repository, states
from ringback.interactions.models import Interaction, InteractionHistory
from ringback.interactions.schemas import HandoverRead, interaction_read
from ringback.interactions.states import Action, InteractionEvent, next_state
from ringback.realtime.stream import publish


@dataclass
class Handling:
    """An interaction with its callback and service, loaded for a use case."""

    interaction: Interaction
    callback: Callback
    service: Service
    handover: HandoverRead | None = None  # a colleague handed the call over


# The case history's first entry of an interaction a colleague handed over, by how.
HANDOVER_KINDS = {"transferred_in": "transfer", "joined": "conference"}


def is_supervisor(agent: Agent) -> bool:
    return bool({"supervisor", "admin"} & set(agent.roles))


async def load(
    session: AsyncSession, interaction_id: uuid.UUID, *, agent: Agent | None, write: bool = True
) -> Handling:
    """The interaction, locked for change; agents act on their own only (supervisors may read)."""
    interaction = await repository.get(session, interaction_id, for_update=write)
    if interaction is None:
        raise not_found("interaction-not-found", f"there is no interaction {interaction_id}")
    if (
        agent is not None
        and interaction.agent_id != agent.id
        and (write or not is_supervisor(agent))
    ):
        raise RingbackError(
            "not-your-interaction", "this interaction belongs to another agent", status=403
        )
    return await with_context(session, interaction, lock_callback=write)


async def with_context(
    session: AsyncSession, interaction: Interaction, *, lock_callback: bool = True
) -> Handling:
    callback = await callback_repository.get(
        session, interaction.callback_id, for_update=lock_callback
    )
    assert callback is not None
    service = await config_repository.service_by_id(session, callback.service_id)
    handover = None
    if interaction.transferred_from is not None:
        entry = await repository.first_entry(session, interaction.id, kinds=HANDOVER_KINDS)
        if entry is not None:
            handover = handover_read(entry)
    return Handling(interaction, callback, service, handover)


def handover_read(entry: InteractionHistory) -> HandoverRead:
    """The hand-over an interaction began with, from its case history's first entry."""
    detail = entry.detail
    return HandoverRead(
        how="conference" if HANDOVER_KINDS.get(entry.kind) == "conference" else "transfer",
        source=uuid.UUID(str(detail["source"])),
        agent=detail.get("by"),
        agent_name=detail.get("by_name"),
        reason=detail.get("reason"),
        at=entry.at,
    )


def check(handling: Handling, action: Action) -> None:
    """Refuse an action the interaction (and its callback) does not allow now."""
    states.check(
        action,
        handling.interaction.state,
        callback_state=handling.callback.state,
        consulting=handling.interaction.consultation_id is not None,
    )


def step(handling: Handling, event: InteractionEvent, *, now: datetime) -> None:
    interaction = handling.interaction
    interaction.state = next_state(interaction.id, interaction.state, event)
    interaction.updated_at = now


def note(
    session: AsyncSession,
    handling: Handling,
    kind: str,
    *,
    actor: str,
    now: datetime,
    **detail: Any,
) -> InteractionHistory:
    """Append to the case history (a change to the interaction: its ``updated_at`` moves)."""
    handling.interaction.updated_at = now
    entry = InteractionHistory(
        interaction_id=handling.interaction.id, at=now, actor=actor, kind=kind, detail=detail
    )
    session.add(entry)
    return entry


def announce(
    session: AsyncSession, handling: Handling, *, now: datetime, topic: str = "interaction.updated"
) -> None:
    """Push the interaction as it now is to its agent's screens (and supervisors')."""
    view = interaction_read(
        handling.interaction, handling.callback, handling.service, handling.handover
    )
    publish(
        session,
        agent_id=handling.interaction.agent_id,
        topic=topic,
        payload=view.model_dump(mode="json"),
        now=now,
    )
