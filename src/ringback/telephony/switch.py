"""The switch interface: the requests Ringback makes of a phone system and the events it hears.

Every driver (the simulated switch, a SIP driver) implements :class:`Switch` and passes the
contract suite in ``tests/telephony/``. Requests name calls by ids that Ringback chooses, so a
request repeated after a crash (the outbox delivers at least once) is recognised and ignored
instead of dialling the customer twice.

Addresses are strings: an agent's place (``place:<extension>``), a queue (``queue:<name>``), a
routing point (``routing-point:<name>``) or an E.164 number (``+12125550142``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from prometheus_client.registry import Collector


class CallState(StrEnum):
    DIALING = "dialing"  # the switch is placing the call to the customer
    RINGING = "ringing"  # the customer's phone rings
    CONNECTED = "connected"  # the agent and the customer talk
    HELD = "held"  # the customer is on hold
    RELEASED = "released"  # the call is over (either side hung up, or it never connected)


class DialResult(StrEnum):
    """How an outbound attempt ended up: the outcomes a retry policy acts on."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    ANSWERING_MACHINE = "answering_machine"
    FAX = "fax"
    INVALID_NUMBER = "invalid_number"
    NETWORK_ERROR = "network_error"


class ConsultationState(StrEnum):
    RINGING = "ringing"
    CONNECTED = "connected"  # the target accepted; the customer is on hold meanwhile
    DECLINED = "declined"  # the target refused
    ENDED = "ended"  # the target hung up
    CANCELLED = "cancelled"  # the agent ended it and is back with the customer
    TRANSFERRED = "transferred"  # the customer now talks to the target; the agent left
    CONFERENCED = "conferenced"  # agent, customer and target talk together


class PartyRole(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    TARGET = "target"  # a transfer or conference target


@dataclass(frozen=True)
class EventPosition:
    """Where an event stands in a shared switch's stream: its run (``epoch``) and its id.

    A switch service numbers its events 1, 2, 3... from each start; a new epoch means the switch
    restarted and forgot every call of the one before.
    """

    epoch: str
    id: int


@dataclass(frozen=True, kw_only=True)
class SwitchEvent:
    call_id: str
    at: datetime
    # Set by a shared switch (the switch service), so that nodes apply each event once.
    position: EventPosition | None = None


@dataclass(frozen=True, kw_only=True)
class SwitchReset(SwitchEvent):
    """The switch lost its calls (a restart, or events no longer kept): calls it does not hold
    now, and that did not change since ``at``, are over. ``call_id`` is empty."""


@dataclass(frozen=True, kw_only=True)
class CallStateChanged(SwitchEvent):
    state: CallState
    cause: str | None = None  # for RELEASED: who ended it ("agent", "customer", "transfer", ...)


@dataclass(frozen=True, kw_only=True)
class DialCompleted(SwitchEvent):
    """Sent once per make_call: the outbound result (ANSWERED comes with CONNECTED)."""

    result: DialResult


@dataclass(frozen=True, kw_only=True)
class PartyJoined(SwitchEvent):
    address: str
    role: PartyRole


@dataclass(frozen=True, kw_only=True)
class PartyLeft(SwitchEvent):
    address: str
    role: PartyRole
    cause: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConsultationChanged(SwitchEvent):
    consultation_id: str
    target: str
    state: ConsultationState


@dataclass(frozen=True, kw_only=True)
class DtmfSent(SwitchEvent):
    digits: str


EVENT_TYPES: tuple[type[SwitchEvent], ...] = (
    CallStateChanged,
    DialCompleted,
    PartyJoined,
    PartyLeft,
    ConsultationChanged,
    DtmfSent,
    SwitchReset,
)


EventHandler = Callable[[SwitchEvent], Awaitable[None]]


class SwitchError(Exception):
    """A request the switch cannot carry out (unknown call, wrong call state, unknown target)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@runtime_checkable
class Measured(Protocol):
    """A switch driver with figures of its own, served on the switch service's /metrics."""

    def collectors(self) -> list[Collector]: ...


class Switch(Protocol):
    """Third-party call control of calls between an agent's place and customers."""

    def subscribe(self, handler: EventHandler) -> None:
        """Deliver every event of every call to ``handler``, in order per call."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def active_calls(self) -> set[str]:
        """The ids of calls the switch holds now (after a restart, the ones that survived)."""
        ...

    async def make_call(
        self,
        *,
        call_id: str,
        place: str,
        destination: str,
        caller_id: str | None = None,
        ring_seconds: float | None = None,
    ) -> None:
        """Connect the agent's ``place`` and dial ``destination``; a repeated call_id is a no-op.

        ``caller_id`` is the number the customer is shown and ``ring_seconds`` how long their
        phone may ring before the result is no answer (the service's; None: the switch's own).
        """
        ...

    async def answer(self, *, call_id: str, address: str) -> None:
        """Answer a call ringing at ``address`` (an agent's place)."""
        ...

    async def release(self, *, call_id: str) -> None:
        """End the call for everyone in it."""
        ...

    async def hold(self, *, call_id: str) -> None: ...

    async def retrieve(self, *, call_id: str) -> None: ...

    async def single_step_transfer(self, *, call_id: str, destination: str) -> None:
        """Hand the customer to ``destination`` at once; the agent leaves the call."""
        ...

    async def single_step_conference(self, *, call_id: str, destination: str) -> None:
        """Add ``destination`` to the call at once."""
        ...

    async def init_consultation(
        self, *, call_id: str, consultation_id: str, destination: str
    ) -> None:
        """Put the customer on hold and call ``destination`` from the agent's place."""
        ...

    async def complete_transfer(self, *, call_id: str, consultation_id: str) -> None: ...

    async def complete_conference(self, *, call_id: str, consultation_id: str) -> None: ...

    async def cancel_consultation(self, *, call_id: str, consultation_id: str) -> None:
        """End the consultation and take the customer off hold."""
        ...

    async def send_dtmf(self, *, call_id: str, digits: str) -> None: ...
