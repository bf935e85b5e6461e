"""What the SIP switch tells a media worker, and what the worker reports: one JSON object a line.

A worker holds the SIP legs of one call at a time (the agent's, the customer's, a target's), each
named by a number the switch chose. Commands go to the worker's stdin; leg events come back on
its stdout, in the order PJSIP saw them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Message:
    kind: ClassVar[str]

    def encode(self) -> bytes:
        return json.dumps({"kind": self.kind, **dataclasses.asdict(self)}).encode() + b"\n"


# -- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start(Message):
    """The first line a worker reads: its settings (SipSettings as JSON) and its slot."""

    kind = "start"
    settings: dict[str, Any]
    slot: int
    hold_music: str  # the WAV file held customers hear
    log_level: str


@dataclass(frozen=True)
class Dial(Message):
    kind = "dial"
    leg: int
    uri: str
    caller_id: str | None  # From: this number (customers), or the switch's own address


@dataclass(frozen=True)
class HangUp(Message):
    kind = "hang_up"
    leg: int


@dataclass(frozen=True)
class Hold(Message):
    """Put a leg on hold (a re-INVITE with a=sendonly) or take it off (a=sendrecv)."""

    kind = "hold"
    leg: int
    held: bool


@dataclass(frozen=True)
class Mix(Message):
    """Who hears whom: each pair of ``links`` both ways; the legs in ``music`` hear hold music;
    in each pair of ``ringing``, the first leg hears the second ring (its early media, or the
    ringback tone)."""

    kind = "mix"
    links: list[tuple[int, int]]
    music: list[int]
    ringing: list[tuple[int, int]]


@dataclass(frozen=True)
class SendDtmf(Message):
    kind = "send_dtmf"
    leg: int
    digits: str


@dataclass(frozen=True)
class Sync(Message):
    """Answered with ``Synced`` once every event of the leg the worker saw before is sent."""

    kind = "sync"
    leg: int


@dataclass(frozen=True)
class Stop(Message):
    """Hang up every leg and exit."""

    kind = "stop"


# -- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready(Message):
    kind = "ready"
    sip_port: int


@dataclass(frozen=True)
class StartFailed(Message):
    kind = "start_failed"
    detail: str


@dataclass(frozen=True)
class LegEvent(Message):
    leg: int


@dataclass(frozen=True)
class Reached(LegEvent):
    """The network took the INVITE in hand (100 Trying, or any later response)."""

    kind = "reached"


@dataclass(frozen=True)
class Ringing(LegEvent):
    """A provisional response (180 Ringing, 183 Session Progress)."""

    kind = "ringing"
    status_code: int


@dataclass(frozen=True)
class Answered(LegEvent):
    kind = "answered"


@dataclass(frozen=True)
class Ended(LegEvent):
    """The leg is over: its final response if it never connected, else 200 (a BYE either way).

    ``status_code`` 0 means it never reached the network (the worker could not place it).
    """

    kind = "ended"
    status_code: int
    reason: str


@dataclass(frozen=True)
class DigitReceived(LegEvent):
    kind = "digit_received"
    digit: str
    method: str  # "rfc4733" or "sip-info"


@dataclass(frozen=True)
class DigitsSent(LegEvent):
    kind = "digits_sent"
    digits: str


@dataclass(frozen=True)
class Synced(LegEvent):
    """The answer to ``Sync``: what the worker saw of the leg before it is all reported."""

    kind = "synced"


MESSAGES: dict[str, type[Message]] = {
    cls.kind: cls
    for cls in (
        Start,
        Dial,
        HangUp,
        Hold,
        Mix,
        SendDtmf,
        Sync,
        Stop,
        Ready,
        StartFailed,
        Reached,
        Ringing,
        Answered,
        Ended,
        DigitReceived,
        DigitsSent,
        Synced,
    )
}


def decode(line: bytes | str) -> Message:
    """One message from its line; ValueError for anything else."""
    try:
        fields = json.loads(line)
        cls = MESSAGES[fields.pop("kind")]
        if cls is Mix:
            fields["links"] = [tuple(pair) for pair in fields["links"]]
            fields["ringing"] = [tuple(pair) for pair in fields["ringing"]]
        return cls(**fields)
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a media worker message: {line!r}") from exc
