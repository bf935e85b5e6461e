"""The SIP switch passes the switch contract on real phones: Kamailio and baresip (tests/sip).

Each number and target of the contract is a phone of the SIP lab that behaves as its name says;
the numbers nobody registered are unknown to the proxy (404), and the network error is a trunk
that never answers. Answering machines and faxes are not told from people on plain SIP, so the
SIP switch passes :class:`CallControlContract`, the contract without machine detection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from ipaddress import IPv4Address
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from tests.sip.control import ControlError, PhoneEvent
from tests.sip.fixtures import PhoneFactory
from tests.sip.phone import Answer, Phone
from tests.sip.registrar import Registrar
from tests.sip.tones import Audio
from tests.telephony.contract import (
    CallControlContract,
    ContractEnvironment,
    EventRecorder,
    consultation_is,
    joined,
    raises_switch_error,
    released,
    state_is,
)

from ringback.clock import ManualClock
from ringback.telephony.sip import NumberRoute, SipSettings, hold_music
from ringback.telephony.sip.protocol import Ready, Start, decode
from ringback.telephony.sip.switch import SYNC_SECONDS, SipSwitch
from ringback.telephony.switch import (
    CallState,
    ConsultationState,
    DialCompleted,
    DialResult,
    DtmfSent,
    PartyRole,
    SwitchError,
)

pytestmark = [pytest.mark.sip, pytest.mark.anyio]

PLACE = "place:1001"
ANSWERS = "+12125550100"
ANSWERS_THEN_HANGS_UP = "+12125550101"
BUSY = "+12125550102"
NO_ANSWER = "+12125550103"
INVALID = "+12125550106"  # registered by no phone: the proxy answers 404
NETWORK_ERROR = "+12125550107"  # routed to a trunk that never answers
TARGET_ACCEPTS = "place:2001"
TARGET_DECLINES = "place:2002"
TARGET_ACCEPTS_THEN_ENDS = "place:2003"
HANGS_UP_AFTER = 0.5  # seconds after answering, for the phones that hang up by themselves
# The switch's RTP ports: apart from the phones' (tests/sip/network.py), below the kernel's.
RTP_PORTS = (32000, 768)


class HangsUpAfterAnswering:
    """Hangs ``phone`` up ``seconds`` after each call it answers, until stopped."""

    def __init__(self, phone: Phone, seconds: float) -> None:
        self._phone = phone
        self._seconds = seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._phone.wait_event("CALL_ESTABLISHED", timeout=0.2)
            except ControlError:
                continue
            if not self._stopped.wait(self._seconds):
                with contextlib.suppress(ControlError):
                    self._phone.hangup()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def lab_phones(
    sip_registrar: Registrar, sip_tone_files: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PhoneFactory]:
    """The contract's phones, registered once for this module's tests."""
    phones = PhoneFactory(sip_registrar, tmp_path_factory.mktemp("phones"), sip_tone_files)
    hang_ups: list[HangsUpAfterAnswering] = []
    try:
        # The agent's phone takes several calls at once (the contract places some side by
        # side): baresip's own auto-answer answers each, where the lab's answers one.
        agent = phones(PLACE.removeprefix("place:"), answer=Answer.NEVER, tone=440)
        agent.command("answermode", "auto")
        phones(ANSWERS, tone=880)
        hangs_up = phones(ANSWERS_THEN_HANGS_UP, tone=1000)
        hang_ups.append(HangsUpAfterAnswering(hangs_up, HANGS_UP_AFTER))
        phones(BUSY, answer=Answer.BUSY, tone=620)
        phones(NO_ANSWER, answer=Answer.NEVER, tone=1200)
        phones(TARGET_ACCEPTS.removeprefix("place:"), tone=1500)
        phones(TARGET_DECLINES.removeprefix("place:"), answer=Answer.BUSY, tone=700)
        ends = phones(TARGET_ACCEPTS_THEN_ENDS.removeprefix("place:"), tone=1100)
        hang_ups.append(HangsUpAfterAnswering(ends, HANGS_UP_AFTER))
        yield phones
    finally:
        for hang_up in hang_ups:
            hang_up.stop()
        phones.close()


@pytest.fixture(scope="module")
def dead_trunk() -> Iterator[int]:
    """A UDP port that takes every packet and answers none: a trunk that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def lab_settings(registrar: Registrar, **changes: object) -> SipSettings:
    """The SIP switch's settings for the lab: its proxy as trunk and registrar, short timeouts."""
    proxy = f"{registrar.host}:{registrar.port}"
    settings = SipSettings(
        local_address=IPv4Address(registrar.host),
        sip_port=0,
        rtp_port_start=RTP_PORTS[0],
        rtp_port_count=RTP_PORTS[1],
        max_calls=8,
        spare_workers=2,
        trunk=proxy,
        registrar=proxy,
        ring_timeout_seconds=2.0,
        agent_ring_timeout_seconds=3.0,
        setup_timeout_seconds=1.0,
    )
    return settings.model_copy(update=changes)


@pytest.fixture
async def sip_switch(
    sip_registrar: Registrar, dead_trunk: int, clock: ManualClock
) -> AsyncIterator[SipSwitch]:
    """A started SIP switch whose calls go through the lab's proxy; closed after the test."""
    dead = NumberRoute(pattern=NETWORK_ERROR, uri=f"sip:{{number}}@127.0.0.1:{dead_trunk}")
    switch = SipSwitch(settings=lab_settings(sip_registrar, routes=[dead]), clock=clock)
    await switch.start()
    yield switch
    await switch.close()


class TestSipSwitchContract(CallControlContract):
    @pytest.fixture
    def environment(self, sip_switch: SipSwitch, lab_phones: PhoneFactory) -> ContractEnvironment:
        return ContractEnvironment(
            switch=sip_switch,
            place=PLACE,
            answers=ANSWERS,
            answers_then_hangs_up=ANSWERS_THEN_HANGS_UP,
            busy=BUSY,
            no_answer=NO_ANSWER,
            invalid=INVALID,
            network_error=NETWORK_ERROR,
            target_accepts=TARGET_ACCEPTS,
            target_declines=TARGET_DECLINES,
            target_accepts_then_ends=TARGET_ACCEPTS_THEN_ENDS,
            timeout=6.0,
            settle_seconds=0.3,
        )


# -- what only the SIP switch does, heard on the phones ----------------------------------------

TIMEOUT = 6.0
TALK_SECONDS = 1.0
SETTLE_SECONDS = 0.3  # a re-INVITE's round trip, before what a phone hears has changed
HOLD_MUSIC_NOTES = sorted({note for chord in hold_music.CHORDS for note in chord})


@pytest.fixture
def recorder(sip_switch: SipSwitch) -> EventRecorder:
    recorder = EventRecorder()
    sip_switch.subscribe(recorder)
    return recorder


async def talking(
    switch: SipSwitch, recorder: EventRecorder, place: str, number: str, call_id: str = "c1"
) -> str:
    await switch.make_call(call_id=call_id, place=place, destination=number)
    await recorder.wait_for(joined(call_id, number), TIMEOUT)
    return call_id


async def heard_next(seconds: float, *phones: Phone) -> list[Audio]:
    """What each phone hears during the next ``seconds``, once a change has settled."""
    await asyncio.sleep(SETTLE_SECONDS)
    start = time.monotonic()
    await asyncio.sleep(seconds)
    end = time.monotonic()
    return [phone.heard_between(start, end) for phone in phones]


async def until_hearing(phone: Phone, *tones: float) -> None:
    """Return once ``phone`` hears every one of ``tones`` (media set up under load can take
    longer than SETTLE_SECONDS); fail after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        now = time.monotonic()
        recent = phone.heard_between(now - 0.3, now)
        if all(recent.has_tone(tone) for tone in tones):
            return
        assert now < deadline, (phone.user, recent.levels(tones))
        await asyncio.sleep(0.1)


def hears_hold_music(audio: Audio) -> bool:
    """The hold music in every half second: one of its notes at least at 0.04 (its quietest
    half second measures 0.057), and enough audio to tell."""
    windows = list(audio.windows(0.5))
    return len(windows) >= 2 and all(
        max(window.levels(HOLD_MUSIC_NOTES).values()) >= 0.04 for window in windows
    )


async def phone_event(phone: Phone, kind: str, param: str | None = None) -> PhoneEvent:
    return await asyncio.to_thread(phone.wait_event, kind, TIMEOUT, param=param)


async def test_agent_and_customer_hear_each_other_through_the_switch(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101", tone=440)
    customer = sip_phones("+12125550200", tone=880)
    await talking(sip_switch, recorder, "place:1101", customer.user)

    agent_heard, customer_heard = await heard_next(TALK_SECONDS, agent, customer)

    assert agent_heard.seconds > 0.8 * TALK_SECONDS
    assert agent_heard.has_tone(880), agent_heard.levels([440, 880])
    assert agent_heard.lacks_tone(440), agent_heard.levels([440, 880])
    assert customer_heard.seconds > 0.8 * TALK_SECONDS
    assert customer_heard.has_tone(440), customer_heard.levels([440, 880])
    assert customer_heard.lacks_tone(880), customer_heard.levels([440, 880])


async def test_a_held_customer_hears_hold_music_until_retrieved(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101", tone=440)
    customer = sip_phones("+12125550200", tone=880)
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)

    await sip_switch.hold(call_id=call_id)
    await phone_event(customer, "CALL_REMOTE_SDP", param="offer")  # the hold re-INVITE
    agent_heard, customer_heard = await heard_next(1.5, agent, customer)
    assert hears_hold_music(customer_heard), customer_heard.levels(HOLD_MUSIC_NOTES)
    assert customer_heard.lacks_tone(440), customer_heard.levels([440])
    assert agent_heard.lacks_tone(880), agent_heard.levels([880])

    await sip_switch.retrieve(call_id=call_id)
    agent_heard, customer_heard = await heard_next(TALK_SECONDS, agent, customer)
    assert agent_heard.has_tone(880), agent_heard.levels([440, 880])
    assert customer_heard.has_tone(440), customer_heard.levels([440, 880])
    assert not hears_hold_music(customer_heard)


async def test_a_conference_mixes_all_three(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101", tone=440)
    customer = sip_phones("+12125550200", tone=880)
    target = sip_phones("2101", tone=1500)
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)

    await sip_switch.single_step_conference(call_id=call_id, destination="place:2101")
    await recorder.wait_for(joined(call_id, "place:2101"), TIMEOUT)
    for phone in (agent, customer, target):
        await until_hearing(phone, *({440.0, 880.0, 1500.0} - {phone.tone}))
    heard = await heard_next(TALK_SECONDS, agent, customer, target)

    for phone, audio in zip((agent, customer, target), heard, strict=True):
        others = {440.0, 880.0, 1500.0} - {phone.tone}
        levels = audio.levels([440, 880, 1500])
        assert all(audio.has_tone(tone) for tone in others), (phone.user, levels)
        assert audio.lacks_tone(phone.tone), (phone.user, levels)


async def test_a_consultation_then_transfer_moves_the_customer_to_the_target(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101", tone=440)
    customer = sip_phones("+12125550200", tone=880)
    target = sip_phones("2101", tone=1500)
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)

    await sip_switch.init_consultation(
        call_id=call_id, consultation_id="k1", destination="place:2101"
    )
    await recorder.wait_for(consultation_is(call_id, "k1", ConsultationState.CONNECTED), TIMEOUT)
    await until_hearing(agent, 1500)
    await until_hearing(target, 440)  # media flows each way on its own time under load
    agent_heard, customer_heard, target_heard = await heard_next(1.5, agent, customer, target)
    assert agent_heard.has_tone(1500), agent_heard.levels([880, 1500])
    assert agent_heard.lacks_tone(880), agent_heard.levels([880, 1500])
    assert target_heard.has_tone(440), target_heard.levels([440, 880])
    assert target_heard.lacks_tone(880), target_heard.levels([440, 880])
    assert hears_hold_music(customer_heard), customer_heard.levels(HOLD_MUSIC_NOTES)
    assert customer_heard.lacks_tone(440) and customer_heard.lacks_tone(1500)

    await sip_switch.complete_transfer(call_id=call_id, consultation_id="k1")
    await recorder.wait_for(released(call_id), TIMEOUT)
    await phone_event(agent, "CALL_CLOSED")
    await until_hearing(customer, 1500)
    customer_heard, target_heard = await heard_next(TALK_SECONDS, customer, target)
    assert customer_heard.has_tone(1500), customer_heard.levels([440, 1500])
    assert target_heard.has_tone(880), target_heard.levels([440, 880])
    assert call_id in await sip_switch.active_calls()  # the receiving agent's now


async def test_a_call_transferred_to_a_number_stays_bridged_until_one_side_hangs_up(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101", tone=440)
    customer = sip_phones("+12125550200", tone=880)
    outside = sip_phones("+442079460000", tone=1500)
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)

    await sip_switch.single_step_transfer(call_id=call_id, destination=outside.user)
    await recorder.wait_for(released(call_id), TIMEOUT)
    await phone_event(agent, "CALL_CLOSED")
    await until_hearing(customer, 1500)
    customer_heard, outside_heard = await heard_next(TALK_SECONDS, customer, outside)

    assert recorder.story(call_id)[-1] == ("state", CallState.RELEASED, "transfer")
    assert call_id not in await sip_switch.active_calls()
    assert customer_heard.has_tone(1500), customer_heard.levels([440, 1500])
    assert outside_heard.has_tone(880), outside_heard.levels([440, 880])
    outside.hangup()
    await phone_event(customer, "CALL_CLOSED")
    assert recorder.story(call_id)[-1] == ("state", CallState.RELEASED, "transfer")


async def test_dtmf_of_either_side(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101")
    customer = sip_phones("+12125550200")
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)

    # What the switch is asked to send reaches the customer's phone.
    await sip_switch.send_dtmf(call_id=call_id, digits="42")
    for digit in "42":
        await phone_event(customer, "CALL_DTMF_START", param=digit)
    # The customer's keys are reported; the agent's are passed on to the customer.
    customer.send_dtmf("9#")
    await recorder.wait_until(lambda: dtmf(recorder, call_id) == ["42", "9", "#"], TIMEOUT)
    agent.send_dtmf("7")
    await phone_event(customer, "CALL_DTMF_START", param="7")
    await recorder.wait_until(lambda: dtmf(recorder, call_id)[-1:] == ["7"], TIMEOUT)


def dtmf(recorder: EventRecorder, call_id: str) -> list[str]:
    return [e.digits for e in recorder.of_call(call_id) if isinstance(e, DtmfSent)]


async def test_customers_see_the_caller_id(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    sip_phones("1101")
    customer = sip_phones("+12125550200")
    switch = SipSwitch(
        settings=lab_settings(sip_registrar, caller_id="+18005550100", spare_workers=1),
        clock=clock,
    )
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        call_id = await talking(switch, recorder, "place:1101", customer.user)
        incoming = await phone_event(customer, "CALL_INCOMING")
        await switch.release(call_id=call_id)
        await phone_event(customer, "CALL_CLOSED")
    finally:
        await switch.close()

    assert incoming.peer_uri is not None
    assert incoming.peer_uri.startswith("sip:+18005550100@127.0.0.1"), incoming.peer_uri


async def test_a_calls_own_caller_id_and_ring_time_come_before_the_switchs(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    sip_phones("1101")
    customer = sip_phones("+12125550200", answer=Answer.NEVER)
    settings = lab_settings(
        sip_registrar, caller_id="+18005550100", ring_timeout_seconds=120, spare_workers=1
    )
    switch = SipSwitch(settings=settings, clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        await switch.make_call(
            call_id="c1",
            place="place:1101",
            destination=customer.user,
            caller_id="+18005550123",
            ring_seconds=1,
        )
        incoming = await phone_event(customer, "CALL_INCOMING")
        # The service's ring time, not the switch's two minutes, ends the ringing.
        result = await recorder.wait_for(lambda e: isinstance(e, DialCompleted), TIMEOUT)
        await recorder.wait_for(released("c1"), TIMEOUT)
    finally:
        await switch.close()

    assert incoming.peer_uri is not None
    assert incoming.peer_uri.startswith("sip:+18005550123@127.0.0.1"), incoming.peer_uri
    assert isinstance(result, DialCompleted) and result.result is DialResult.NO_ANSWER


async def test_a_media_worker_that_dies_ends_its_call_alone(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    sip_phones("1101")
    customer = sip_phones("+12125550200")
    sip_phones("1102")
    other = sip_phones("+12125550201")
    doomed = await talking(sip_switch, recorder, "place:1101", customer.user, "doomed")
    spared = await talking(sip_switch, recorder, "place:1102", other.user, "spared")
    worker = sip_switch.media_worker(doomed)
    assert worker is not None

    worker.process.kill()
    await recorder.wait_for(released(doomed), TIMEOUT)

    assert recorder.story(doomed)[-1] == ("state", CallState.RELEASED, "network_error")
    assert await sip_switch.active_calls() == {spared}
    await sip_switch.hold(call_id=spared)
    await recorder.wait_for(state_is(spared, CallState.HELD), TIMEOUT)


async def test_calls_past_max_calls_fail_as_network_errors(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    sip_phones("1101")
    customer = sip_phones("+12125550200")
    switch = SipSwitch(
        settings=lab_settings(sip_registrar, max_calls=1, spare_workers=1), clock=clock
    )
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        call_id = await talking(switch, recorder, "place:1101", customer.user)
        await switch.make_call(call_id="c2", place="place:1101", destination=customer.user)
        await recorder.wait_for(released("c2"), TIMEOUT)
        await switch.release(call_id=call_id)
        await phone_event(customer, "CALL_CLOSED")
    finally:
        await switch.close()

    assert recorder.story("c2") == [
        ("dial", DialResult.NETWORK_ERROR),
        ("state", CallState.RELEASED, "network_error"),
    ]


async def test_a_switch_whose_sip_port_is_taken_does_not_start(clock: ManualClock) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        settings = SipSettings(
            sip_port=taken.getsockname()[1],
            rtp_port_start=RTP_PORTS[0],
            rtp_port_count=RTP_PORTS[1],
            max_calls=1,
            spare_workers=1,
        )
        switch = SipSwitch(settings=settings, clock=clock)

        with pytest.raises(SwitchError) as caught:
            await switch.start()

    assert caught.value.code == "switch-not-running"
    await raises_switch_error(
        "switch-not-running",
        switch.make_call(call_id="c1", place=PLACE, destination=ANSWERS),
    )


def sip_request_status(port: int, method: str = "INVITE") -> str:
    """Send a bare ``method`` to 127.0.0.1:``port``; the status line of its final response."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(TIMEOUT)
        local = sock.getsockname()[1]
        request = (
            f"{method} sip:ringback@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKscanner1;rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:scanner@127.0.0.1:{local}>;tag=scanner\r\n"
            f"To: <sip:ringback@127.0.0.1:{port}>\r\n"
            "Call-ID: scanner-1@127.0.0.1\r\n"
            f"CSeq: 1 {method}\r\n"
            f"Contact: <sip:scanner@127.0.0.1:{local}>\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        sock.sendto(request.encode(), ("127.0.0.1", port))
        while True:
            status = sock.recv(65536).split(b"\r\n", 1)[0].decode()
            if not status.startswith("SIP/2.0 1"):
                return status


async def test_calls_offered_to_the_switch_are_refused(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101", tone=440)
    customer = sip_phones("+12125550200", tone=880)
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)
    worker = sip_switch.media_worker(call_id)
    assert worker is not None

    status = await asyncio.to_thread(sip_request_status, worker.sip_port)

    assert status.startswith("SIP/2.0 403"), status
    agent_heard, customer_heard = await heard_next(TALK_SECONDS, agent, customer)
    assert agent_heard.has_tone(880) and customer_heard.has_tone(440)


async def test_a_place_nobody_answers_at_fails_before_the_customer_is_called(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    customer = sip_phones("+12125550200")

    await sip_switch.make_call(call_id="c1", place="place:1999", destination=customer.user)
    await recorder.wait_for(released("c1"), TIMEOUT)

    assert recorder.story("c1") == [
        ("dial", DialResult.NETWORK_ERROR),
        ("state", CallState.RELEASED, "network_error"),
    ]
    assert not [event for event in customer.events if event.kind == "CALL_INCOMING"]


async def test_an_agent_who_hangs_up_the_phone_releases_the_call(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    agent = sip_phones("1101")
    customer = sip_phones("+12125550200")
    call_id = await talking(sip_switch, recorder, "place:1101", customer.user)

    agent.hangup()
    await recorder.wait_for(released(call_id), TIMEOUT)
    await phone_event(customer, "CALL_CLOSED")

    assert recorder.story(call_id)[-2:] == [
        ("left", "place:1101", PartyRole.AGENT, "hangup"),
        ("state", CallState.RELEASED, "agent"),
    ]
    assert call_id not in await sip_switch.active_calls()


async def test_the_agent_hears_the_ringback_tone_until_the_customer_answers(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    agent = sip_phones("1101", tone=620)
    customer = sip_phones("+12125550200", answer=Answer.MANUAL, tone=1000)
    switch = SipSwitch(
        settings=lab_settings(sip_registrar, ring_timeout_seconds=10.0, spare_workers=1),
        clock=clock,
    )
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        await switch.make_call(call_id="c1", place="place:1101", destination=customer.user)
        await recorder.wait_for(state_is("c1", CallState.RINGING), TIMEOUT)
        # North American ringback: 440 and 480 Hz together, the first two seconds on.
        (ringing,) = await heard_next(1.2, agent)
        customer.answer()
        await recorder.wait_for(joined("c1", customer.user), TIMEOUT)
        (talking_to_customer,) = await heard_next(TALK_SECONDS, agent)
    finally:
        await switch.close()

    assert ringing.has_tone(440) and ringing.has_tone(480), ringing.levels([440, 480, 1000])
    assert ringing.lacks_tone(1000), ringing.levels([440, 480, 1000])
    levels = talking_to_customer.levels([440, 480, 1000])
    assert talking_to_customer.has_tone(1000), levels
    assert talking_to_customer.lacks_tone(440) and talking_to_customer.lacks_tone(480), levels


class BarePhone:
    """A bare SIP phone on UDP for what baresip cannot do: early media, SIP INFO, a digest
    challenge. Reached without the proxy, by a route; it sends RTP only when told to."""

    NONCE = "5f2b1c9e"

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(TIMEOUT)
        self.port = int(self.sock.getsockname()[1])
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.invite: dict[str, str] = {}
        self.invite_line = ""
        self.invite_body = ""
        self.peer = ("127.0.0.1", 0)  # where the switch's INVITE came from

    def close(self) -> None:
        self.sock.close()
        self.rtp.close()

    def _receive(self) -> tuple[str, dict[str, str], str]:
        data, self.source = self.sock.recvfrom(65536)
        head, _, body = data.decode().partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        return lines[0], headers, body

    def take_invite(self) -> None:
        self.invite_line, self.invite, self.invite_body = self._receive()
        assert self.invite_line.startswith("INVITE "), self.invite_line
        self.peer = self.source

    def take_ack(self) -> None:
        start, _, _ = self._receive()
        assert start.startswith("ACK "), start

    def respond(self, status: str, *, sdp: bool = False, extra: str = "") -> None:
        """Answer the INVITE taken with ``status``; with PCMU on this phone's RTP port."""
        body = (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {self.rtp.getsockname()[1]} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=sendrecv\r\n"
            if sdp
            else ""
        )
        self.sock.sendto(
            (
                f"SIP/2.0 {status}\r\n"
                f"Via: {self.invite['via']}\r\n"
                f"From: {self.invite['from']}\r\n"
                f"To: {self.invite['to']};tag=barephone\r\n"
                f"Call-ID: {self.invite['call-id']}\r\n"
                f"CSeq: {self.invite['cseq']}\r\n"
                f"Contact: <sip:barephone@127.0.0.1:{self.port}>\r\n"
                f"{extra}"
                + ("Content-Type: application/sdp\r\n" if sdp else "")
                + f"Content-Length: {len(body)}\r\n\r\n{body}"
            ).encode(),
            self.peer,
        )

    def answer(self) -> None:
        """Answer the next INVITE (no RTP is sent unless asked) and take its ACK."""
        self.take_invite()
        self.respond("200 OK", sdp=True)
        self.take_ack()

    def challenge(self, realm: str) -> None:
        """Refuse the next INVITE with a digest challenge (401), as a trunk that wants to know
        who calls, and take the ACK of the refusal."""
        self.take_invite()
        challenge = f'Digest realm="{realm}", nonce="{self.NONCE}", algorithm=MD5'
        self.respond("401 Unauthorized", extra=f"WWW-Authenticate: {challenge}\r\n")
        self.take_ack()

    def send_tone(self, frequency: float, seconds: float) -> None:
        """RTP (PCMU) of a tone to where the switch's SDP offer said, paced in real time."""
        media = re.search(r"m=audio (\d+)", self.invite_body)
        address = re.search(r"c=IN IP4 ([\d.]+)", self.invite_body)
        assert media is not None and address is not None, self.invite_body
        target = (address[1], int(media[1]))
        samples = np.round(
            0.3 * 32767 * np.sin(2 * np.pi * frequency * np.arange(round(seconds * 8000)) / 8000)
        )
        start = time.monotonic()
        for index in range(len(samples) // 160):
            header = struct.pack("!BBHII", 0x80, 0, index, index * 160, 0x5EED)
            self.rtp.sendto(header + ulaw(samples[index * 160 : (index + 1) * 160]), target)
            time.sleep(max(0.0, start + (index + 1) * 0.02 - time.monotonic()))

    def send_digit(self, digit: str, sequence: int) -> str:
        """One INFO with the digit; the status line of the switch's answer."""
        contact = self.invite["contact"].strip("<>").split(">")[0]
        body = f"Signal={digit}\r\nDuration=160\r\n"
        self.sock.sendto(
            (
                f"INFO {contact} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bKinfo{sequence};rport\r\n"
                "Max-Forwards: 70\r\n"
                f"From: {self.invite['to']};tag=barephone\r\n"
                f"To: {self.invite['from']}\r\n"
                f"Call-ID: {self.invite['call-id']}\r\n"
                f"CSeq: {sequence} INFO\r\n"
                f"Contact: <sip:barephone@127.0.0.1:{self.port}>\r\n"
                "Content-Type: application/dtmf-relay\r\n"
                f"Content-Length: {len(body)}\r\n\r\n{body}"
            ).encode(),
            self.peer,
        )
        while True:
            start, headers, _ = self._receive()
            if start.startswith("SIP/2.0") and headers.get("cseq", "").endswith("INFO"):
                return start


def ulaw(samples: npt.NDArray[np.float64]) -> bytes:
    """G.711 mu-law of 16-bit samples."""
    magnitude = np.minimum(np.abs(samples).astype(np.int64), 32635) + 0x84
    exponent = np.floor(np.log2(magnitude)).astype(np.int64) - 7
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    sign = (samples < 0).astype(np.int64) << 7
    return bytes((~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8))


async def test_dtmf_the_customer_sends_by_sip_info_is_reported(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    sip_phones("1101")
    phone = BarePhone()
    route = NumberRoute(pattern="+12125550300", uri=f"sip:{{number}}@127.0.0.1:{phone.port}")
    switch = SipSwitch(
        settings=lab_settings(sip_registrar, routes=[route], spare_workers=1), clock=clock
    )
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        await switch.make_call(call_id="c1", place="place:1101", destination="+12125550300")
        await asyncio.to_thread(phone.answer)
        await recorder.wait_for(joined("c1", "+12125550300"), TIMEOUT)
        statuses = [await asyncio.to_thread(phone.send_digit, d, n) for n, d in enumerate("3*", 1)]
        await recorder.wait_until(lambda: dtmf(recorder, "c1") == ["3", "*"], TIMEOUT)
    finally:
        await switch.close()
        phone.close()

    assert all(status.startswith("SIP/2.0 200") for status in statuses), statuses


def digest_fields(header: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="?([^",]+)"?', header.removeprefix("Digest ")))


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # SIP digest authentication is MD5


async def test_the_switch_answers_a_trunks_digest_challenge(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    sip_phones("1101")
    trunk = BarePhone()
    route = NumberRoute(pattern="+12125550300", uri=f"sip:{{number}}@127.0.0.1:{trunk.port}")
    settings = lab_settings(sip_registrar, routes=[route], spare_workers=1)
    settings = SipSettings.model_validate(
        {**settings.for_worker(), "auth_username": "acme", "auth_password": "s3cret-trunk"}
    )
    switch = SipSwitch(settings=settings, clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        await switch.make_call(call_id="c1", place="place:1101", destination="+12125550300")
        await asyncio.to_thread(trunk.challenge, "trunk.example")
        await asyncio.to_thread(trunk.answer)
        await recorder.wait_for(joined("c1", "+12125550300"), TIMEOUT)
    finally:
        await switch.close()
        trunk.close()

    fields = digest_fields(trunk.invite["authorization"])
    uri = trunk.invite_line.split()[1]
    secret = md5("acme:trunk.example:s3cret-trunk")
    expected = md5(f"{secret}:{BarePhone.NONCE}:{md5('INVITE:' + uri)}")
    assert (fields["username"], fields["realm"], fields["uri"]) == ("acme", "trunk.example", uri)
    assert fields["response"] == expected


async def test_answers_that_came_in_time_count_though_the_switch_was_held_up(
    sip_switch: SipSwitch, recorder: EventRecorder, sip_phones: PhoneFactory
) -> None:
    """The switch's event loop held up past the setup timeout (a process busy elsewhere, as on a
    loaded machine): the proxy and the agent's phone answered the INVITE in time, and those
    answers count, rather than the timeout that fired while nobody read them."""
    agent = sip_phones("1101")
    customer = sip_phones("+12125550200")
    await sip_switch.make_call(call_id="c1", place="place:1101", destination=customer.user)

    # Blocking calls on the loop's own thread: the switch reads nothing meanwhile.
    deadline = time.monotonic() + sip_switch.settings.setup_timeout_seconds
    agent.wait_event("CALL_ESTABLISHED", TIMEOUT)  # the proxy's 100 Trying came before it
    time.sleep(max(0.0, deadline - time.monotonic()) + 0.2)  # noqa: ASYNC251 - on purpose

    await recorder.wait_until(
        lambda: recorder.state("c1") in (CallState.CONNECTED, CallState.RELEASED), TIMEOUT
    )
    story = recorder.story("c1")
    assert ("dial", DialResult.ANSWERED) in story, story
    assert ("joined", customer.user, PartyRole.CUSTOMER) in story, story


async def test_a_stuck_media_worker_does_not_keep_a_leg_ringing(
    sip_registrar: Registrar, dead_trunk: int, clock: ManualClock
) -> None:
    """A worker that cannot confirm what it saw (stopped here) gets a while to answer; then the
    leg whose time is up is given up all the same."""
    settings = lab_settings(
        sip_registrar, places={"1999": f"sip:1999@127.0.0.1:{dead_trunk}"}, spare_workers=1
    )
    switch = SipSwitch(settings=settings, clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    worker = None
    try:
        await switch.make_call(call_id="c1", place="place:1999", destination="+12125550200")
        worker = switch.media_worker("c1")
        assert worker is not None
        os.kill(worker.process.pid, signal.SIGSTOP)
        await recorder.wait_for(released("c1"), settings.setup_timeout_seconds + SYNC_SECONDS + 3)
    finally:
        if worker is not None:
            os.kill(worker.process.pid, signal.SIGCONT)
        await switch.close()

    assert recorder.story("c1") == [
        ("dial", DialResult.NETWORK_ERROR),
        ("state", CallState.RELEASED, "network_error"),
    ]


def media_workers_of_this_process() -> set[int]:
    """The pids of this process's children that are media workers."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if parent == os.getpid() and b"ringback.telephony.sip.worker" in command:
            found.add(int(entry.name))
    return found


async def test_close_leaves_no_media_worker_behind(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    sip_phones("1101")
    customer = sip_phones("+12125550200")
    before = media_workers_of_this_process()
    switch = SipSwitch(settings=lab_settings(sip_registrar, spare_workers=2), clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    await talking(switch, recorder, "place:1101", customer.user)
    assert len(media_workers_of_this_process() - before) >= 2

    await switch.close()

    assert media_workers_of_this_process() - before == set()
    await phone_event(customer, "CALL_CLOSED")


async def test_the_agent_hears_the_customers_early_media_instead_of_the_ringback_tone(
    sip_registrar: Registrar, sip_phones: PhoneFactory, clock: ManualClock
) -> None:
    agent = sip_phones("1101", tone=620)
    phone = BarePhone()
    route = NumberRoute(pattern="+12125550300", uri=f"sip:{{number}}@127.0.0.1:{phone.port}")
    settings = lab_settings(
        sip_registrar, routes=[route], spare_workers=1, ring_timeout_seconds=10.0
    )
    switch = SipSwitch(settings=settings, clock=clock)
    recorder = EventRecorder()
    switch.subscribe(recorder)
    await switch.start()
    try:
        await switch.make_call(call_id="c1", place="place:1101", destination="+12125550300")
        await asyncio.to_thread(phone.take_invite)
        phone.respond("183 Session Progress", sdp=True)
        await recorder.wait_for(state_is("c1", CallState.RINGING), TIMEOUT)
        announcement = asyncio.create_task(asyncio.to_thread(phone.send_tone, 1200, 2.0))
        (early,) = await heard_next(1.2, agent)
        await announcement
        phone.respond("200 OK", sdp=True)
        await asyncio.to_thread(phone.take_ack)
        await recorder.wait_for(joined("c1", "+12125550300"), TIMEOUT)
    finally:
        await switch.close()
        phone.close()

    levels = early.levels([440, 480, 1200])
    assert early.has_tone(1200), levels
    assert early.lacks_tone(480), levels


async def test_a_media_worker_whose_switch_is_gone_leaves() -> None:
    """A switch that dies (killed, say) closes its workers' stdin: each hangs up and exits."""
    settings = SipSettings(
        sip_port=0, rtp_port_start=RTP_PORTS[0], rtp_port_count=RTP_PORTS[1], max_calls=1
    )
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ringback.telephony.sip.worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert worker.stdin is not None
    assert worker.stdout is not None
    start = Start(
        settings=settings.for_worker(),
        slot=0,
        hold_music=str(hold_music.PACKAGED),
        log_level="warning",
    )
    worker.stdin.write(start.encode())
    ready = decode(await asyncio.wait_for(worker.stdout.readline(), TIMEOUT))
    assert isinstance(ready, Ready)
    assert ready.sip_port > 0

    worker.stdin.close()

    assert await asyncio.wait_for(worker.wait(), TIMEOUT) == 0
