"""The SIP lab itself: phones register with Kamailio, call each other through it and hear each
other's tone; busy, unanswered and unknown numbers, DTMF, hold, and the RTP capture."""

from __future__ import annotations

import socket
import struct
import time

import pytest
from tests.sip.fixtures import PhoneFactory, require_sip_tools
from tests.sip.network import HOST, reserve_udp_ports
from tests.sip.phone import Answer
from tests.sip.registrar import Registrar
from tests.sip.rtp import PCMU, RtpCapture
from tests.sip.tones import read_wav

pytestmark = pytest.mark.sip

TALK_SECONDS = 1.0


def test_phones_register_and_unregister(sip_registrar: Registrar, sip_phones: PhoneFactory) -> None:
    agent = sip_phones("1001")
    customer = sip_phones("+12125550100")

    assert {"1001", "+12125550100"} <= sip_registrar.registered()
    assert agent.uri == f"sip:1001@127.0.0.1:{sip_registrar.port}"
    customer.close()
    assert "+12125550100" not in sip_registrar.registered()


def test_a_call_through_the_proxy_carries_each_tone_one_way(sip_phones: PhoneFactory) -> None:
    agent = sip_phones("1001", tone=440)
    customer = sip_phones("+12125550100", tone=880)

    agent.dial(customer.uri)
    incoming = customer.wait_event("CALL_INCOMING")
    assert incoming.peer_uri is not None
    assert incoming.peer_uri.startswith("sip:1001@")
    established = agent.wait_event("CALL_ESTABLISHED")
    customer.wait_event("CALL_ESTABLISHED")
    time.sleep(TALK_SECONDS)
    now = time.monotonic()

    agent_heard = agent.heard_between(established.at, now)
    customer_heard = customer.heard_between(established.at, now)
    assert agent_heard.seconds > 0.8 * TALK_SECONDS
    assert agent_heard.has_tone(880), agent_heard.levels([440, 880])
    assert agent_heard.lacks_tone(440), agent_heard.levels([440, 880])
    assert customer_heard.has_tone(440), customer_heard.levels([440, 880])
    assert customer_heard.lacks_tone(880), customer_heard.levels([440, 880])

    agent.hangup()
    closed = customer.wait_event("CALL_CLOSED")
    agent.wait_event("CALL_CLOSED")
    time.sleep(0.2)
    assert customer.packets(closed.at + 0.1) == []
    assert read_wav(agent.heard()).has_tone(880)


def test_a_busy_phone_refuses_with_486(sip_phones: PhoneFactory) -> None:
    agent = sip_phones("1001")
    busy = sip_phones("+12125550102", answer=Answer.BUSY)

    agent.dial(busy.uri)

    closed = agent.wait_event("CALL_CLOSED")
    assert closed.param is not None
    assert closed.param.startswith("486"), closed.param
    busy.wait_event("CALL_INCOMING")
    busy.wait_event("CALL_CLOSED")
    assert not [event for event in agent.events if event.kind == "CALL_ESTABLISHED"]
    assert agent.packets() == []


def test_a_phone_that_never_answers_rings_until_the_caller_hangs_up(
    sip_phones: PhoneFactory,
) -> None:
    agent = sip_phones("1001")
    silent = sip_phones("+12125550103", answer=Answer.NEVER)

    agent.dial(silent.uri)
    silent.wait_event("CALL_INCOMING")
    agent.wait_event("CALL_RINGING")
    time.sleep(0.5)
    agent.hangup()

    silent.wait_event("CALL_CLOSED")
    assert not [event for event in silent.events if event.kind == "CALL_ESTABLISHED"]


def test_a_phone_answers_after_its_delay(sip_phones: PhoneFactory) -> None:
    agent = sip_phones("1001")
    customer = sip_phones("+12125550100", answer_after=0.5)

    agent.dial(customer.uri)

    incoming = customer.wait_event("CALL_INCOMING")
    established = agent.wait_event("CALL_ESTABLISHED")
    assert established.at - incoming.at >= 0.5


def test_a_user_nobody_registered_is_not_found(
    sip_registrar: Registrar, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1001")

    agent.dial(sip_registrar.address("+12125550199"))

    closed = agent.wait_event("CALL_CLOSED")
    assert closed.param is not None
    assert closed.param.startswith("404"), closed.param


def test_dtmf_arrives_as_events_in_order(sip_phones: PhoneFactory) -> None:
    agent = sip_phones("1001")
    customer = sip_phones("+12125550100")
    agent.dial(customer.uri)
    customer.wait_event("CALL_ESTABLISHED")
    agent.wait_event("CALL_ESTABLISHED")

    customer.send_dtmf("1#9")

    digits = [agent.wait_event("CALL_DTMF_START").param for _ in range(3)]
    assert digits == ["1", "#", "9"]
    assert not [event for event in customer.events if event.kind == "CALL_DTMF_START"]


def test_on_hold_the_tone_stops_and_comes_back_on_resume(sip_phones: PhoneFactory) -> None:
    agent = sip_phones("1001", tone=440)
    customer = sip_phones("+12125550100", tone=880)
    agent.dial(customer.uri)
    connected = agent.wait_event("CALL_ESTABLISHED")
    customer.wait_event("CALL_ESTABLISHED")
    time.sleep(0.6)

    held = time.monotonic()
    agent.hold()
    customer.wait_event("CALL_REMOTE_SDP")
    time.sleep(0.8)
    resumed = time.monotonic()
    agent.resume()
    time.sleep(0.8)
    end = time.monotonic()

    # A margin either side of each change, for the re-INVITE's round trip.
    assert agent.heard_between(connected.at + 0.1, held).has_tone(880)
    assert agent.heard_between(held + 0.2, resumed).lacks_tone(880)
    assert agent.heard_between(resumed + 0.2, end).has_tone(880)
    # The same seen by the customer, on the recording's timeline (no packets: silence).
    levels = read_wav(customer.heard()).levels_over_time(440, window=0.1)
    assert max(levels[:5]) > 0.2
    assert min(levels) < 0.01
    assert max(levels[-5:]) > 0.2


def test_the_capture_keeps_only_rtp_to_its_ports() -> None:
    require_sip_tools()
    ports = reserve_udp_ports()
    first, last = ports.first, ports.last
    capture = RtpCapture(first, last)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            header = struct.pack("!BBHII", 0x80, PCMU, 7, 160, 0x1234)
            sender.sendto(header + bytes([0xFF] * 160), (HOST, first))  # PCMU silence
            sender.sendto(header + bytes(160), (HOST, last + 1))  # not its port
            sender.sendto(bytes([0x80, 200]) + bytes(26), (HOST, first + 1))  # RTCP
            deadline = time.monotonic() + 2
            while not capture.packets() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.1)
    finally:
        capture.close()
        ports.release()

    [packet] = capture.packets()
    assert (packet.port, packet.payload_type, packet.sequence, packet.ssrc) == (
        first,
        PCMU,
        7,
        0x1234,
    )
    assert capture.audio().seconds == 0.02
    assert capture.audio().rms() == 0
