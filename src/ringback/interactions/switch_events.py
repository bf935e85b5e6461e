"""What the switch tells us, applied to interactions and callbacks in one transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.agents import repository as agent_repository
from ringback.agents.models import Agent, AgentChannel
from ringback.callbacks.service import change_state
from ringback.callbacks.states import CallbackEvent, CallbackState
from ringback.db import new_id
from ringback.interactions import repository
from ringback.interactions.common import (
    Handling,
    announce,
    handover_read,
    note,
    step,
    with_context,
)
from ringback.interactions.models import Interaction, InteractionHistory
from ringback.interactions.states import InteractionEvent, InteractionState
from ringback.telephony.switch import (
    CallState,
    CallStateChanged,
    ConsultationChanged,
    ConsultationState,
    DialCompleted,
    DialResult,
    DtmfSent,
    PartyJoined,
    PartyLeft,
    SwitchEvent,
)

log = structlog.get_logger(__name__)
SWITCH = "switch"


async def apply(session: AsyncSession, event: SwitchEvent, *, now: datetime) -> None:
    """Apply one switch event; events of calls we do not know (any more) are ignored."""
    if isinstance(event, ConsultationChanged):
        interaction = await repository.by_consultation(session, event.consultation_id)
    else:
        interaction = await repository.by_call(session, event.call_id)
    if interaction is None:
        log.debug(
            "switch event for an unknown call", call_id=event.call_id, kind=type(event).__name__
        )
        return
    handling = await with_context(session, interaction)
    match event:
        case CallStateChanged():
            await _call_state(session, handling, event, now)
        case DialCompleted():
            _dial_result(session, handling, event.result, now)
        case PartyJoined():
            interaction.parties = {**interaction.parties, event.address: str(event.role)}
            note(
                session,
                handling,
                "party_joined",
                actor=SWITCH,
                now=now,
                address=event.address,
                role=str(event.role),
            )
            if event.address.startswith("place:") and await _conferenced(
                session, interaction, event.address
            ):
                await _hand_over(session, handling, event.address, None, now)
        case PartyLeft():
            interaction.parties = {
                k: v for k, v in interaction.parties.items() if k != event.address
            }
            note(
                session,
                handling,
                "party_left",
                actor=SWITCH,
                now=now,
                address=event.address,
                cause=event.cause,
            )
        case DtmfSent():
            note(session, handling, "dtmf", actor=SWITCH, now=now, digits=event.digits)
        case ConsultationChanged():
            await _consultation(session, handling, event, now)
    announce(session, handling, now=now)


_STATE_EVENTS = {
    CallState.RINGING: InteractionEvent.RING,
    CallState.CONNECTED: InteractionEvent.CONNECT,
    CallState.HELD: InteractionEvent.HOLD,
}


async def _call_state(
    session: AsyncSession, handling: Handling, event: CallStateChanged, now: datetime
) -> None:
    interaction = handling.interaction
    note(
        session,
        handling,
        "call_state",
        actor=SWITCH,
        now=now,
        state=str(event.state),
        cause=event.cause,
    )
    if event.state is CallState.DIALING:
        return
    if event.state is CallState.RELEASED:
        await _released(session, handling, event.cause, now)
        return
    if event.state is CallState.CONNECTED and interaction.state is InteractionState.ON_HOLD:
        step(handling, InteractionEvent.RETRIEVE, now=now)
        return
    if interaction.state is InteractionState.CONNECTED and event.state is CallState.CONNECTED:
        return  # a conference or a consultation ending leaves the call connected
    step(handling, _STATE_EVENTS[event.state], now=now)


def _dial_result(
    session: AsyncSession, handling: Handling, result: DialResult, now: datetime
) -> None:
    interaction, callback = handling.interaction, handling.callback
    interaction.last_result = callback.last_result = str(result)
    note(session, handling, "dial_result", actor=SWITCH, now=now, result=str(result))
    if callback.state is not CallbackState.DIALING:
        return
    if result is DialResult.ANSWERED:
        change_state(session, callback, CallbackEvent.CONNECT, actor=SWITCH, now=now)
        # When its history says: the entry is stamped no earlier than the callback's last
        # change (a node whose clock is behind), and the reports read the first answer here.
        callback.contacted_at = callback.contacted_at or callback.updated_at
    elif result is DialResult.INVALID_NUMBER:
        change_state(
            session,
            callback,
            CallbackEvent.FAIL,
            actor=SWITCH,
            now=now,
            reason="the number does not exist",
        )
    else:
        change_state(
            session, callback, CallbackEvent.NO_CONTACT, actor=SWITCH, now=now, reason=str(result)
        )


async def _released(
    session: AsyncSession, handling: Handling, cause: str | None, now: datetime
) -> None:
    interaction = handling.interaction
    callback = handling.callback
    if callback.state is CallbackState.DIALING:  # released before any result: count it as failed
        change_state(
            session, callback, CallbackEvent.NO_CONTACT, actor=SWITCH, now=now, reason=cause
        )
    target = _transfer_target(interaction) if cause == "transfer" else None
    call_id = interaction.call_id
    interaction.call_id = None
    interaction.parties = {}
    _clear_consultation(interaction)
    if cause == "transfer":
        step(handling, InteractionEvent.TRANSFER_AWAY, now=now)
        if target is not None and target.startswith("place:") and call_id is not None:
            await session.flush()  # the call id moves to the receiving agent's interaction
            await _hand_over(session, handling, target, call_id, now)
    elif interaction.state in (
        InteractionState.DIALING,
        InteractionState.RINGING,
        InteractionState.CONNECTED,
        InteractionState.ON_HOLD,
    ):
        step(handling, InteractionEvent.CALL_ENDED, now=now)


def _transfer_target(interaction: Interaction) -> str | None:
    if interaction.consultation_target and interaction.consultation_state == "connected":
        return interaction.consultation_target
    pending = [
        address for address, role in interaction.parties.items() if role in ("pending", "target")
    ]
    return pending[-1] if pending else None


async def _conferenced(session: AsyncSession, interaction: Interaction, address: str) -> bool:
    """Whether the agent asked last to bring ``address`` into the call (not to transfer it)."""
    asked = await repository.last_entry(
        session,
        interaction.id,
        kinds=("transfer", "conference", "complete_transfer", "complete_conference"),
    )
    return (
        asked is not None
        and asked.kind in ("conference", "complete_conference")
        and asked.detail.get("target") == address
    )


def _reason(history: Sequence[InteractionHistory]) -> str | None:
    """Why the agent handed the call over: the reason given with the transfer, conference or
    consultation, else their last note."""
    requests = [e for e in history if e.actor != SWITCH and e.kind in _REQUESTS]
    if requests and requests[-1].detail.get("reason"):
        return str(requests[-1].detail["reason"])
    notes = [e for e in history if e.kind == "note"]
    return str(notes[-1].detail.get("text")) if notes else None


_REQUESTS = ("transfer", "conference", "consultation")


async def _hand_over(
    session: AsyncSession, handling: Handling, address: str, call_id: str | None, now: datetime
) -> None:
    """Another agent takes part in the call. A transfer (``call_id`` given) gives them a
    connected interaction and the callback: it completes at their Mark Done, not at the
    transferring agent's. A conference (no ``call_id``) gives them an interaction of their own
    to note and wrap up, while the call and the callback stay with the agent who invited them.
    Either way they are told who handed it over and why, and read the whole case history."""
    place = address.removeprefix("place:")
    receiver = await agent_repository.by_place(session, place)
    source = handling.interaction
    if receiver is None or receiver.id == source.agent_id:
        return
    transfer = call_id is not None
    sender = await agent_repository.by_id(session, source.agent_id)
    status = await agent_repository.channel_status(
        session, receiver.id, AgentChannel.VOICE, for_update=True
    )
    interaction = Interaction(
        id=new_id(),
        callback_id=handling.callback.id,
        agent_id=receiver.id,
        channel=AgentChannel.VOICE,
        state=InteractionState.CONNECTED if transfer else InteractionState.JOINED,
        preview=source.preview,
        offered_at=now,
        accepted_at=now,
        call_id=call_id,
        parties=(
            {handling.callback.phone: "customer", address: "agent"}
            if transfer
            else {handling.callback.phone: "customer", **_owner(sender)}
        ),
        transferred_from=source.id,
        created_at=now,
        updated_at=now,
    )
    session.add(interaction)
    await session.flush()  # the agent's row points at it
    if status is not None and status.busy_with is None:
        status.busy_with = interaction.id
    reason = _reason(await repository.history(session, source.id))
    received = Handling(interaction, handling.callback, handling.service)
    entry = note(
        session,
        received,
        "transferred_in" if transfer else "joined",
        actor=SWITCH,
        now=now,
        source=str(source.id),
        by=sender.login if sender is not None else None,
        by_name=sender.name if sender is not None else None,
        by_place=sender.place if sender is not None else None,
        reason=reason,
    )
    received.handover = handover_read(entry)
    announce(
        session,
        received,
        now=now,
        topic="interaction.transferred" if transfer else "interaction.joined",
    )
    if transfer and handling.callback.state is CallbackState.CONNECTED:
        change_state(
            session,
            handling.callback,
            CallbackEvent.TRANSFER,
            actor=sender.login if sender is not None else SWITCH,
            now=now,
            reason=f"to {receiver.login}",
        )


def _owner(sender: Agent | None) -> dict[str, str]:
    """The inviting agent's place, as a party of the conference."""
    return {f"place:{sender.place}": "target"} if sender is not None else {}


async def _consultation(
    session: AsyncSession, handling: Handling, event: ConsultationChanged, now: datetime
) -> None:
    interaction = handling.interaction
    note(
        session,
        handling,
        "consultation",
        actor=SWITCH,
        now=now,
        target=event.target,
        state=str(event.state),
    )
    if event.state in (ConsultationState.RINGING, ConsultationState.CONNECTED):
        interaction.consultation_state = str(event.state)
    elif event.state is ConsultationState.CONFERENCED:
        interaction.parties = {**interaction.parties, event.target: "target"}
        _clear_consultation(interaction)
    elif (
        event.state is not ConsultationState.TRANSFERRED
    ):  # a transfer ends with the call's release
        _clear_consultation(interaction)


def _clear_consultation(interaction: Interaction) -> None:
    interaction.consultation_id = None
    interaction.consultation_target = None
    interaction.consultation_state = None
