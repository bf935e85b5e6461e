"""A client of baresip's control socket (``ctrl_tcp``): netstring-framed JSON both ways.

A command is ``{"command": "dial", "params": "sip:...", "token": "7"}``; its answer carries the
same token and ``ok``. Everything else that arrives is an event (``{"event": true, "type":
"CALL_INCOMING", ...}``), kept in arrival order for :meth:`BaresipControl.wait_event`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

COMMAND_SECONDS = 5.0


class ControlError(RuntimeError):
    """baresip refused a command, did not answer it, or closed its control socket."""


@dataclass(frozen=True)
class PhoneEvent:
    """One event of a phone, as baresip reported it."""

    kind: str  # CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START, REGISTER_OK...
    at: float  # time.monotonic() when it arrived
    call_id: str | None = None
    peer_uri: str | None = None
    direction: str | None = None  # "incoming" or "outgoing", for call events
    param: str | None = None  # the digit, the reason a call closed ("486 Rejected")...
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def netstring(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"%d:%s," % (len(body), body)


class BaresipControl:
    """One connection to a baresip's control socket, read by a thread of its own."""

    def __init__(self, sock: socket.socket, on_event: Callable[[PhoneEvent], None]) -> None:
        self._sock = sock
        self._on_event = on_event
        self._tokens = itertools.count(1)
        self._lock = threading.Condition()
        self._answers: dict[str, dict[str, Any]] = {}
        self._events: list[PhoneEvent] = []
        self._taken: set[int] = set()  # indexes of events wait_event has returned
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="baresip-control", daemon=True)
        self._reader.start()

    @classmethod
    def connect(
        cls, port: int, on_event: Callable[[PhoneEvent], None], *, alive: Callable[[], bool]
    ) -> BaresipControl:
        """Connect once baresip listens on ``port``, as long as ``alive()`` holds."""
        deadline = time.monotonic() + COMMAND_SECONDS
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=0.5)
            except OSError:
                if not alive() or time.monotonic() > deadline:
                    raise ControlError(f"no control socket on port {port}") from None
                time.sleep(0.02)
                continue
            sock.settimeout(None)
            return cls(sock, on_event)

    @property
    def events(self) -> list[PhoneEvent]:
        """Every event so far, oldest first."""
        with self._lock:
            return list(self._events)

    def send(self, command: str, params: str | None = None) -> str:
        """Send a command without waiting for its answer; returns its token."""
        token = str(next(self._tokens))
        message: dict[str, Any] = {"command": command, "token": token}
        if params is not None:
            message["params"] = params
        try:
            self._sock.sendall(netstring(message))
        except OSError as exc:
            raise ControlError(f"{command}: control socket closed ({exc})") from exc
        return token

    def command(self, command: str, params: str | None = None) -> str:
        """Run a command and return its text; ControlError if baresip refused it."""
        token = self.send(command, params)
        with self._lock:
            if not self._lock.wait_for(
                lambda: token in self._answers or self._closed, COMMAND_SECONDS
            ):
                raise ControlError(f"{command}: no answer in {COMMAND_SECONDS} s")
            if token not in self._answers:
                raise ControlError(f"{command}: control socket closed")
            answer = self._answers.pop(token)
        if not answer.get("ok"):
            raise ControlError(f"{command} {params or ''}: {answer.get('data')!r}")
        return str(answer.get("data") or "")

    def wait_event(
        self,
        kind: str | tuple[str, ...],
        timeout: float,
        match: Callable[[PhoneEvent], bool] | None = None,
    ) -> PhoneEvent:
        """The oldest event of ``kind`` (one of them, for a tuple) that matches ``match`` and
        that no call returned before, waiting up to ``timeout`` seconds for it."""
        kinds = (kind,) if isinstance(kind, str) else kind

        def find() -> int | None:
            for index, event in enumerate(self._events):
                if (
                    index not in self._taken
                    and event.kind in kinds
                    and (match is None or match(event))
                ):
                    return index
            return None

        with self._lock:
            self._lock.wait_for(lambda: find() is not None or self._closed, timeout)
            index = find()
            if index is None:
                seen = ", ".join(event.kind for event in self._events[-12:]) or "none"
                state = "control socket closed" if self._closed else f"{timeout} s"
                raise ControlError(
                    f"no {' or '.join(kinds)} event ({state}); latest events: {seen}"
                )
            self._taken.add(index)
            return self._events[index]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(timeout=2)

    def _read(self) -> None:
        buffer = b""
        try:
            while chunk := self._sock.recv(65536):
                buffer += chunk
                while True:
                    length, colon, rest = buffer.partition(b":")
                    if not colon or len(rest) < int(length) + 1:
                        break
                    self._receive(json.loads(rest[: int(length)]))
                    buffer = rest[int(length) + 1 :]
        except OSError:
            pass
        finally:
            with self._lock:
                self._closed = True
                self._lock.notify_all()

    def _receive(self, message: dict[str, Any]) -> None:
        if message.get("response"):
            with self._lock:
                self._answers[str(message.get("token"))] = message
                self._lock.notify_all()
            return
        if not message.get("event"):
            return
        event = PhoneEvent(
            kind=str(message.get("type")),
            at=time.monotonic(),
            call_id=message.get("id"),
            peer_uri=message.get("peeruri"),
            direction=message.get("direction"),
            param=message.get("param"),
            raw=message,
        )
        with self._lock:
            self._events.append(event)
            self._lock.notify_all()
        self._on_event(event)
