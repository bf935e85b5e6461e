"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests: it keeps what it accepts,
or answers as told."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage as MimeMessage
from email.policy import default as default_policy
from typing import Any, cast


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: MimeMessage


@dataclass
class Mailbox:
    """An SMTP server's handler: keeps what it accepts, or answers with the replies queued."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)  # answers to DATA, in turn
    rcpt_reply: str | None = None
    # While stall is set, DATA hangs until resume is (a relay that stopped answering);
    # data_reached tells that a client got that far.
    stall: threading.Event = field(default_factory=threading.Event)
    resume: threading.Event = field(default_factory=threading.Event)
    data_reached: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stall.is_set():
            self.data_reached.set()
            await asyncio.to_thread(self.resume.wait, 30)
            return "451 4.4.2 Timeout"
        if self.data_replies:
            return self.data_replies.pop(0)
        message = cast(MimeMessage, message_from_bytes(envelope.content, policy=default_policy))
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"
