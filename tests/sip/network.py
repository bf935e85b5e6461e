"""Loopback addresses and free ports for the lab's processes.

SIP and control ports come from the kernel (bind to port 0), so parallel workers and other test
runs on the machine do not pick the same ones; whoever starts a process still checks that it
came up, as a port can be taken between the check and the bind. RTP ports are different: a
phone binds them only when a call starts, so a range is reserved for the phone's whole life by
locks that every lab on the machine honours (files in the temporary folder, held with flock,
let go when the process ends), and is taken below the kernel's ephemeral ports (32768 and up) so
that no port handed out by the kernel lands in it.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
from contextlib import ExitStack
from pathlib import Path

HOST = "127.0.0.1"  # every SIP and RTP packet of the lab stays on loopback
# Where reserved RTP ranges are taken from. A SIP driver under test should take its own RTP
# ports elsewhere, or reserve them here too (reserve_udp_ports).
RTP_PORTS = (24000, 31999)
RTP_PORTS_PER_PHONE = 10  # 5 RTP/RTCP pairs: baresip picks one per call
LOCK_CHUNK = 10  # ports per lock file
LOCKS = Path(tempfile.gettempdir()) / "ringback-sip-ports"


def _free(kind: socket.SocketKind, port: int = 0) -> int | None:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return None
        return int(sock.getsockname()[1])


def free_udp_port() -> int:
    """A UDP port of 127.0.0.1 that nobody holds now."""
    port = _free(socket.SOCK_DGRAM)
    assert port is not None
    return port


def free_tcp_port() -> int:
    """A TCP port of 127.0.0.1 that nobody holds now."""
    port = _free(socket.SOCK_STREAM)
    assert port is not None
    return port


def free_sip_port() -> int:
    """A port free for baresip's SIP listeners: UDP and TCP on it, and TCP (TLS) on the next."""
    while True:
        port = free_udp_port()
        if (
            port < 65535
            and _free(socket.SOCK_STREAM, port) is not None
            and _free(socket.SOCK_STREAM, port + 1) is not None
        ):
            return port


class PortRange:
    """UDP ports first..last, reserved for this process until release()."""

    def __init__(self, first: int, last: int, locks: ExitStack) -> None:
        self.first = first
        self.last = last
        self._locks = locks

    def __repr__(self) -> str:
        return f"<PortRange {self.first}-{self.last}>"

    def release(self) -> None:
        self._locks.close()


def _lock_chunk(locks: ExitStack, chunk: int) -> bool:
    descriptor = os.open(LOCKS / f"{chunk * LOCK_CHUNK}.lock", os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return False
    locks.callback(os.close, descriptor)  # closing lets the lock go
    return True


def reserve_udp_ports(count: int = RTP_PORTS_PER_PHONE) -> PortRange:
    """``count`` consecutive UDP ports (the first one even, as RTP wants) that no other lab
    holds and nobody has bound, reserved until the range is released."""
    LOCKS.mkdir(mode=0o777, exist_ok=True)
    chunks = -(-count // LOCK_CHUNK)
    first_chunk, last_chunk = RTP_PORTS[0] // LOCK_CHUNK, (RTP_PORTS[1] + 1) // LOCK_CHUNK
    for _ in range(1000):
        start = random.randrange(first_chunk, last_chunk - chunks + 1)
        locks = ExitStack()
        if all(_lock_chunk(locks, chunk) for chunk in range(start, start + chunks)):
            first = start * LOCK_CHUNK
            ports = range(first, first + count)
            if all(_free(socket.SOCK_DGRAM, port) is not None for port in ports):
                return PortRange(first, first + count - 1, locks)
        locks.close()
    raise RuntimeError(f"no {count} free UDP ports in {RTP_PORTS[0]}-{RTP_PORTS[1]}")
