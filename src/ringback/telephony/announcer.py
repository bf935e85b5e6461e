"""What every switch driver does with its events: word them, and deliver them in order."""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

from ringback.clock import Clock
from ringback.telephony.sim.calls import Consultation, Party
from ringback.telephony.switch import (
    CallState,
    CallStateChanged,
    ConsultationChanged,
    EventHandler,
    PartyJoined,
    PartyLeft,
    SwitchError,
    SwitchEvent,
)

log = structlog.get_logger(__name__)


class AnnouncedCall(Protocol):
    call_id: str
    state: CallState
    parties: list[Party]
    consultations: dict[str, Consultation]


class CallAnnouncer:
    """A driver's base: subscribers, and one queue that keeps every call's events in order."""

    _clock: Clock
    _handlers: list[EventHandler]
    _events: asyncio.Queue[SwitchEvent | None]

    def subscribe(self, handler: EventHandler) -> None:
        """Deliver every event to ``handler``, in the order the switch emitted them."""
        self._handlers.append(handler)

    def _consultation(self, call: AnnouncedCall, consultation_id: str) -> Consultation:
        consultation = call.consultations.get(consultation_id)
        if consultation is None:
            raise SwitchError(
                "unknown-consultation",
                f"no consultation {consultation_id!r} on call {call.call_id}",
            )
        return consultation

    def _join(self, call: AnnouncedCall, party: Party) -> None:
        call.parties.append(party)
        self._emit(
            PartyJoined(
                call_id=call.call_id, at=self._clock.now(), address=party.address, role=party.role
            )
        )

    def _leave(self, call: AnnouncedCall, party: Party, *, cause: str) -> None:
        # A declining target never joined; it is reported as leaving all the same.
        if party in call.parties:
            call.parties.remove(party)
        self._emit(
            PartyLeft(
                call_id=call.call_id,
                at=self._clock.now(),
                address=party.address,
                role=party.role,
                cause=cause,
            )
        )

    def _announce_state(self, call: AnnouncedCall, *, cause: str | None = None) -> None:
        self._announce(call, call.state, cause=cause)

    def _announce(self, call: AnnouncedCall, state: CallState, *, cause: str | None) -> None:
        self._emit(
            CallStateChanged(call_id=call.call_id, at=self._clock.now(), state=state, cause=cause)
        )

    def _announce_consultation(self, call: AnnouncedCall, consultation: Consultation) -> None:
        self._emit(
            ConsultationChanged(
                call_id=call.call_id,
                at=self._clock.now(),
                consultation_id=consultation.consultation_id,
                target=consultation.target,
                state=consultation.state,
            )
        )

    def _emit(self, event: SwitchEvent) -> None:
        self._events.put_nowait(event)

    async def _deliver(self) -> None:
        # One queue for all calls keeps every call's events in order; a handler's failure is
        # its own business and must not stop the calls of every other agent.
        while (event := await self._events.get()) is not None:
            for handler in tuple(self._handlers):
                try:
                    await handler(event)
                except Exception:
                    log.exception(
                        "switch event handler failed",
                        call_id=event.call_id,
                        event_type=type(event).__name__,
                    )
