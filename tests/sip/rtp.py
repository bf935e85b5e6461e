"""What a phone hears: every RTP packet that reaches its ports, captured on ``lo`` as it arrives.

baresip's own recorder (``sndfile``) stops for good after a re-INVITE that is not sendrecv, as
a hold is, so the lab listens on the wire instead: a packet socket on the loopback interface with
a kernel filter for the phone's RTP port range, each packet stamped with the kernel's time of
arrival on the ``time.monotonic()`` clock.
This needs CAP_NET_RAW (root), which the lab's machines and CI have. Every G.711 packet (PCMU or
PCMA) is decoded; telephone-events, comfort noise and RTCP are kept out of the audio.
"""

from __future__ import annotations

import ctypes
import socket
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tests.sip.tones import RATE, Audio, write_wav

ETH_P_IP = 0x0800
SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35  # Linux: each packet's arrival in the kernel, as ancillary data
TIMESPEC = struct.Struct("qq")
PCMU, PCMA = 0, 8


def _instruction(code: int, jump_true: int, jump_false: int, value: int) -> bytes:
    return struct.pack("HBBI", code, jump_true, jump_false, value)


def _udp_port_filter(first: int, last: int) -> bytes:
    """A classic BPF program that keeps unfragmented IPv4 UDP to ports first..last."""
    return b"".join(
        [
            _instruction(0x30, 0, 0, 9),  # A = IP protocol
            _instruction(0x15, 0, 7, 17),  # UDP, or drop
            _instruction(0x28, 0, 0, 6),  # A = flags and fragment offset
            _instruction(0x45, 5, 0, 0x1FFF),  # a later fragment: drop
            _instruction(0xB1, 0, 0, 0),  # X = IP header length
            _instruction(0x48, 0, 0, 2),  # A = UDP destination port
            _instruction(0x35, 0, 2, first),  # below first: drop
            _instruction(0x25, 1, 0, last),  # above last: drop
            _instruction(0x06, 0, 0, 0x40000),  # keep
            _instruction(0x06, 0, 0, 0),  # drop
        ]
    )


def open_capture_socket(first: int, last: int) -> socket.socket:
    """A packet socket on ``lo`` that receives IPv4 UDP to ports first..last (CAP_NET_RAW)."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    try:
        program = ctypes.create_string_buffer(_udp_port_filter(first, last))
        fprog = struct.pack("HL", len(program.raw) // 8, ctypes.addressof(program))
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.bind(("lo", ETH_P_IP))
    except OSError:
        sock.close()
        raise
    return sock


def _ulaw_table() -> npt.NDArray[np.float64]:
    code = ~np.arange(256) & 0xFF
    exponent = (code >> 4) & 7
    magnitude = (((code & 0x0F) << 3) + 0x84 << exponent) - 0x84
    return np.where(code & 0x80, -magnitude, magnitude) / 32768


def _alaw_table() -> npt.NDArray[np.float64]:
    code = np.arange(256) ^ 0x55
    exponent = (code >> 4) & 7
    mantissa = code & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    return np.where(code & 0x80, magnitude, -magnitude) / 32768


DECODE = {PCMU: _ulaw_table(), PCMA: _alaw_table()}


@dataclass(frozen=True)
class RtpPacket:
    at: float  # time.monotonic() on arrival
    source: tuple[str, int]
    port: int  # the phone's port it arrived on
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes

    def samples(self) -> npt.NDArray[np.float64]:
        """The decoded samples (G.711 only; empty for anything else)."""
        table = DECODE.get(self.payload_type)
        if table is None:
            return np.zeros(0)
        return table[np.frombuffer(self.payload, dtype=np.uint8)]


def parse_rtp(datagram: bytes, at: float) -> RtpPacket | None:
    """The RTP packet in an IPv4 datagram, or None for RTCP and anything else."""
    header_length = (datagram[0] & 0x0F) * 4
    udp, rtp = datagram[header_length : header_length + 8], datagram[header_length + 8 :]
    if len(rtp) < 12 or rtp[0] >> 6 != 2 or 192 <= rtp[1] <= 223:  # not RTP, or RTCP
        return None
    source_port, port = struct.unpack("!HH", udp[:4])
    sequence, timestamp, ssrc = struct.unpack("!HII", rtp[2:12])
    start = 12 + 4 * (rtp[0] & 0x0F)
    if rtp[0] & 0x10:  # a header extension
        if len(rtp) < start + 4:
            return None  # too short for what its first byte says: not RTP after all
        start += 4 + 4 * struct.unpack("!H", rtp[start + 2 : start + 4])[0]
    end = len(rtp) - (rtp[-1] if rtp[0] & 0x20 else 0)  # padding
    if start > end:
        return None
    return RtpPacket(
        at=at,
        source=(socket.inet_ntoa(datagram[12:16]), source_port),
        port=port,
        payload_type=rtp[1] & 0x7F,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=rtp[start:end],
    )


def _arrival(ancillary: list[tuple[int, int, bytes]]) -> float:
    """When the kernel received the packet, on the ``time.monotonic()`` clock: a reader thread
    that waited for the GIL does not make a packet look late."""
    now = time.monotonic()
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
            seconds, nanoseconds = TIMESPEC.unpack_from(data)
            return now - max(0.0, time.time() - (seconds + nanoseconds / 1e9))
    return now


class RtpCapture:
    """Every RTP packet arriving on ports first..last of 127.0.0.1 while it runs."""

    def __init__(self, first: int, last: int) -> None:
        self.ports = (first, last)
        self._sock = open_capture_socket(first, last)
        self._lock = threading.Lock()
        self._packets: list[RtpPacket] = []
        self._running = True
        self._thread = threading.Thread(target=self._read, name="rtp-capture", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        self._sock.settimeout(0.1)
        while self._running:
            try:
                datagram, ancillary, _, _ = self._sock.recvmsg(65536, socket.CMSG_SPACE(16))
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                packet = parse_rtp(datagram, _arrival(ancillary))
            except (struct.error, IndexError):  # not RTP after all (the filter came late)
                continue
            if packet is not None:
                with self._lock:
                    self._packets.append(packet)

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2)
        self._sock.close()

    def packets(self, start: float | None = None, end: float | None = None) -> list[RtpPacket]:
        """The packets that arrived between two ``time.monotonic()`` readings (all when None)."""
        with self._lock:
            packets = list(self._packets)
        return [
            packet
            for packet in packets
            if (start is None or packet.at >= start) and (end is None or packet.at < end)
        ]

    def audio(self, start: float | None = None, end: float | None = None) -> Audio:
        """The G.711 audio that arrived between two readings, packet after packet.

        A stretch without packets adds nothing: ``Audio.seconds`` tells how much arrived.
        """
        parts = [packet.samples() for packet in self.packets(start, end)]
        return Audio(np.concatenate(parts) if parts else np.zeros(0), RATE)

    def write_wav(self, path: Path) -> Path:
        """All audio so far as a WAV on the capture's clock: a gap without packets is silence."""
        packets = [packet for packet in self.packets() if packet.payload_type in DECODE]
        timeline = np.zeros(0)
        if packets:
            first = packets[0].at
            pieces: list[npt.NDArray[np.float64]] = []
            cursor = 0
            for packet in packets:
                samples = packet.samples()
                due = round((packet.at - first) * RATE)
                if due > cursor + 2 * len(samples):  # a real gap, not jitter
                    pieces.append(np.zeros(due - cursor))
                    cursor = due
                pieces.append(samples)
                cursor += len(samples)
            timeline = np.concatenate(pieces)
        return write_wav(path, Audio(timeline, RATE))
