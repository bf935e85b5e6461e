"""The lab's parts that need no SIP: tone levels, G.711 decoding, RTP parsing, the WAV timeline,
port reservations, the check for the tools."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from tests.sip.fixtures import require_sip_tools
from tests.sip.network import reserve_udp_ports
from tests.sip.rtp import DECODE, PCMA, PCMU, parse_rtp
from tests.sip.tones import RATE, Audio, read_wav, write_tone, write_wav


def tone(frequency: float, seconds: float, amplitude: float = 0.3) -> Audio:
    time = np.arange(round(seconds * RATE)) / RATE
    return Audio(amplitude * np.sin(2 * np.pi * frequency * time))


def test_a_tone_measures_its_amplitude_and_others_nothing() -> None:
    audio = Audio(tone(440, 0.5).samples + tone(880, 0.5, amplitude=0.1).samples)

    levels = audio.levels([440, 880, 1000])

    assert levels[440] == pytest.approx(0.3, abs=0.005)
    assert levels[880] == pytest.approx(0.1, abs=0.005)
    assert levels[1000] < 0.001
    assert audio.has_tone(440)
    assert audio.lacks_tone(1000)


def test_no_audio_and_silence_hold_no_tone() -> None:
    assert Audio(np.zeros(0)).level(440) == 0
    assert Audio(np.zeros(800)).lacks_tone(440)
    assert Audio(np.zeros(800)).rms() == 0


def test_levels_over_time_follow_the_tone() -> None:
    audio = Audio(np.concatenate([tone(880, 0.3).samples, np.zeros(2400), tone(880, 0.3).samples]))

    levels = audio.levels_over_time(880, window=0.1)

    assert len(levels) == 9
    assert all(level > 0.25 for level in levels[:3] + levels[6:])
    assert all(level < 0.001 for level in levels[3:6])
    assert audio.between(0.3, 0.6).lacks_tone(880)


def test_tone_files_read_back(tmp_path: Path) -> None:
    path = write_tone(tmp_path / "tone.wav", 1000, seconds=0.5)

    audio = read_wav(path)

    assert audio.rate == RATE
    assert audio.seconds == 0.5
    assert audio.level(1000) == pytest.approx(0.3, abs=0.001)


def test_g711_decoding() -> None:
    ulaw, alaw = DECODE[PCMU] * 32768, DECODE[PCMA] * 32768

    assert (ulaw[0xFF], ulaw[0x80], ulaw[0x00]) == (0, 32124, -32124)
    assert (alaw[0xD5], alaw[0x55], alaw[0xAA], alaw[0x2A]) == (8, -8, 32256, -32256)


def ip_udp(payload: bytes, *, source_port: int = 4000, port: int = 24000) -> bytes:
    udp = struct.pack("!HHHH", source_port, port, 8 + len(payload), 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))  # fmt: skip
    return ip + udp + payload


def test_rtp_parsing_skips_csrcs_extensions_and_padding() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 1, 0x80 | PCMA, 9, 320, 0xABC)
    extension = struct.pack("!HH", 0xBEDE, 1) + bytes(4)
    datagram = ip_udp(header + bytes(4) + extension + bytes([0xD5] * 160) + bytes([0, 0, 3]))

    packet = parse_rtp(datagram, at=12.5)

    assert packet is not None
    assert (packet.at, packet.source, packet.port) == (12.5, ("127.0.0.1", 4000), 24000)
    assert (packet.payload_type, packet.sequence, packet.timestamp, packet.ssrc) == (
        PCMA,
        9,
        320,
        0xABC,
    )
    assert len(packet.payload) == 160
    assert packet.samples().max() == 8 / 32768


def test_rtcp_and_other_udp_are_not_rtp() -> None:
    assert parse_rtp(ip_udp(bytes([0x80, 200]) + bytes(26)), at=0) is None
    assert parse_rtp(ip_udp(b"REGISTER sip:127.0.0.1 SIP/2.0\r\n"), at=0) is None
    # Version 2 with the extension bit, but too short for the extension it announces.
    assert parse_rtp(ip_udp(bytes([0x90, 0]) + bytes(10)), at=0) is None
    # Padding longer than the packet.
    assert parse_rtp(ip_udp(bytes([0xA0, 0]) + bytes(9) + bytes([200])), at=0) is None


def test_a_wav_keeps_its_samples(tmp_path: Path) -> None:
    audio = tone(620, 0.2)

    back = read_wav(write_wav(tmp_path / "x.wav", audio))

    assert np.abs(back.samples - audio.samples).max() < 1 / 32768


def test_reserved_port_ranges_do_not_overlap() -> None:
    ranges = [reserve_udp_ports() for _ in range(30)]
    try:
        ports = [port for r in ranges for port in range(r.first, r.last + 1)]
        assert len(ports) == len(set(ports)) == 300
        assert all(r.first % 2 == 0 for r in ranges)
    finally:
        for r in ranges:
            r.release()


def test_without_the_tools_the_lab_skips_and_under_ci_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # baresip is in /usr/bin
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="baresip"):
        require_sip_tools()

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install"):
        require_sip_tools()
