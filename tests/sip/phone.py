"""A headless SIP phone for one party of a test: a baresip process of its own.

Each phone has its own folder (configuration, log), SIP, control and RTP ports on 127.0.0.1,
and registers with the lab's Kamailio under its user name (``1001``, ``+12125550100``...). Its
microphone is a tone file, so whoever it talks to hears that tone; what it hears is every RTP
packet that reaches its ports (tests/sip/rtp.py), stamped with the time it arrived.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from enum import StrEnum
from pathlib import Path

from tests.sip.control import BaresipControl, ControlError, PhoneEvent
from tests.sip.network import HOST, PortRange, free_sip_port, free_tcp_port, reserve_udp_ports
from tests.sip.processes import LabError, launch, required_tool, stop_process
from tests.sip.registrar import Registrar
from tests.sip.rtp import RtpCapture, RtpPacket
from tests.sip.tones import Audio

EVENT_SECONDS = 5.0
START_ATTEMPTS = 3
MODULES = "/usr/lib/baresip/modules"


class Answer(StrEnum):
    """What a phone does when a call comes in."""

    AUTO = "auto"  # answers by itself (after ``answer_after`` seconds, at once by default)
    MANUAL = "manual"  # rings until the test calls answer() or hangup()
    BUSY = "busy"  # refuses each call with 486
    NEVER = "never"  # rings until the caller gives up


CONFIG = """\
poll_method\tepoll
sip_listen\t{host}:{sip_port}
call_local_timeout\t120
call_max_calls\t4
audio_path\t/usr/share/baresip
audio_player\taubridge,nowhere
audio_alert\taubridge,nowhere
audio_source\taufile,{tone_file}
ausrc_srate\t8000
auplay_srate\t8000
ausrc_channels\t1
auplay_channels\t1
audio_level\tno
audio_buffer\t20-160
rtp_ports\t{rtp_first}-{rtp_last}
rtcp_mux\tno
jitter_buffer_delay\t5-10
rtp_stats\tyes
dns_server\t127.0.0.1:53
net_interface\t{host}
module_path\t{modules}
module\tg711.so
module\taufile.so
module\taubridge.so
module_app\taccount.so
module_app\tmenu.so
module_app\tctrl_tcp.so
ctrl_tcp_listen\t{host}:{control_port}
"""


class Phone:
    """One party's phone, registered with the lab's registrar; see tests/sip/README.md."""

    def __init__(
        self,
        user: str,
        *,
        registrar: Registrar,
        folder: Path,
        tone: float,
        tone_file: Path,
        answer: Answer = Answer.AUTO,
        answer_after: float = 0.0,
    ) -> None:
        self.user = user
        self.registrar = registrar
        self.folder = folder
        self.tone = tone
        self.tone_file = tone_file
        self.answer_mode = Answer(answer)
        self.answer_after = answer_after
        self.sip_port = 0
        self.rtp_ports = (0, 0)
        self._rtp_reservation: PortRange | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._control: BaresipControl | None = None
        self._capture: RtpCapture | None = None

    def __repr__(self) -> str:
        return f"<Phone {self.user} {self.answer_mode} {self.tone:g} Hz>"

    # Who the phone is

    @property
    def uri(self) -> str:
        """How to call this phone: its user at the registrar (``sip:1001@127.0.0.1:<port>``)."""
        return self.registrar.address(self.user)

    @property
    def contact(self) -> str:
        """The phone's own address, bypassing the registrar."""
        return f"sip:{self.user}@{HOST}:{self.sip_port}"

    @property
    def log(self) -> Path:
        return self.folder / "baresip.log"

    # Starting and stopping

    def start(self) -> Phone:
        """Start baresip and register; returns once the registrar accepted the phone."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start_process()
                self._register()
                return self
            except (ControlError, LabError):
                # A port taken between its check and baresip's bind: try others.
                self.close()
                if attempt == START_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _start_process(self) -> None:
        self.sip_port = free_sip_port()
        self._rtp_reservation = reserve_udp_ports()
        self.rtp_ports = (self._rtp_reservation.first, self._rtp_reservation.last)
        self._capture = RtpCapture(*self.rtp_ports)
        control_port = free_tcp_port()
        (self.folder / "config").write_text(
            CONFIG.format(
                host=HOST,
                sip_port=self.sip_port,
                control_port=control_port,
                tone_file=self.tone_file,
                rtp_first=self.rtp_ports[0],
                rtp_last=self.rtp_ports[1],
                modules=MODULES,
            )
        )
        # Accounts are added over the control socket, so that their registration is seen.
        (self.folder / "accounts").write_text("")
        (self.folder / "contacts").write_text("")
        self._process = launch(
            [required_tool("baresip"), "-f", str(self.folder)], log=self.log, cwd=self.folder
        )
        process = self._process
        self._control = BaresipControl.connect(
            control_port, self._on_event, alive=lambda: process.poll() is None
        )

    def _register(self) -> None:
        # baresip's own auto-answer reports no CALL_INCOMING: the phone answers from here.
        account = (
            f"<sip:{self.user}@{HOST};transport=udp>;regint=300"
            ";answermode=manual;audio_codecs=PCMU,PCMA"
            f';outbound="sip:{HOST}:{self.registrar.port};transport=udp"'
        )
        self.control.command("uanew", account)
        event = self.control.wait_event(("REGISTER_OK", "REGISTER_FAIL"), EVENT_SECONDS)
        if event.kind != "REGISTER_OK":
            raise LabError(f"{self.user} did not register: {event.param}")

    def close(self) -> None:
        """Stop baresip (it unregisters on the way out)."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            stop_process(self._process)
            self._process = None
        if self._capture is not None:
            self._capture.close()
        if self._rtp_reservation is not None:
            self._rtp_reservation.release()
            self._rtp_reservation = None

    @property
    def control(self) -> BaresipControl:
        if self._control is None:
            raise LabError(f"phone {self.user} is not running")
        return self._control

    # Calls

    def dial(self, uri: str) -> None:
        """Call ``uri`` (a SIP URI with an IP address, e.g. another phone's ``uri``)."""
        self.control.command("dial", uri)

    def answer(self) -> None:
        """Answer the call that rings."""
        self.control.command("accept")

    def hangup(self) -> None:
        """End the current call, or refuse the ringing one (486)."""
        self.control.command("hangup")

    def send_dtmf(self, digits: str) -> None:
        """Send each digit in the current call (baresip sends RFC 4733 events)."""
        self.control.command("sndcode", digits)

    def hold(self) -> None:
        """Put the current call on hold (a re-INVITE from this phone)."""
        self.control.command("hold")

    def resume(self) -> None:
        """Take the current call off hold."""
        self.control.command("resume")

    def command(self, command: str, params: str | None = None) -> str:
        """Any other baresip command (see baresip's ``help``)."""
        return self.control.command(command, params)

    # Events

    @property
    def events(self) -> list[PhoneEvent]:
        """Every event this phone reported, oldest first."""
        return [] if self._control is None else self._control.events

    def wait_event(
        self,
        kind: str | tuple[str, ...],
        timeout: float = EVENT_SECONDS,
        *,
        param: str | None = None,
    ) -> PhoneEvent:
        """The oldest event of ``kind`` (or of any kind in a tuple; with ``param``, when given)
        that no call returned before, waiting up to ``timeout`` seconds; ControlError if none
        comes."""
        match = None if param is None else (lambda event: event.param == param)
        return self.control.wait_event(kind, timeout, match)

    def _on_event(self, event: PhoneEvent) -> None:
        # Runs on the control socket's reader thread: send, never wait for an answer here.
        if event.kind == "CALL_INCOMING":
            if self.answer_mode is Answer.BUSY:
                self.control.send("hangup")
            elif self.answer_mode is Answer.AUTO and self.answer_after <= 0:
                self.control.send("accept")
            elif self.answer_mode is Answer.AUTO:
                timer = threading.Timer(self.answer_after, self._answer_later)
                timer.daemon = True
                timer.start()

    def _answer_later(self) -> None:
        control = self._control
        if control is not None:
            with contextlib.suppress(ControlError):  # the phone was closed meanwhile
                control.send("accept")

    # What the phone heard

    @property
    def capture(self) -> RtpCapture:
        if self._capture is None:
            raise LabError(f"phone {self.user} is not running")
        return self._capture

    def heard_between(self, start: float | None = None, end: float | None = None) -> Audio:
        """The audio that reached the phone between two ``time.monotonic()`` readings (an
        event's ``at``, say); from its start and up to now when None."""
        return self.capture.audio(start, end)

    def listen(self, seconds: float) -> Audio:
        """The audio that reaches the phone during the next ``seconds``.

        Only what arrives is there: compare ``Audio.seconds`` with ``seconds`` to tell silence
        that was sent from no packets at all.
        """
        start = time.monotonic()
        time.sleep(seconds)
        return self.capture.audio(start, time.monotonic())

    def packets(self, start: float | None = None, end: float | None = None) -> list[RtpPacket]:
        """The RTP packets that reached the phone between two readings (all when None)."""
        return self.capture.packets(start, end)

    def heard(self) -> Path:
        """All the phone heard so far as a WAV (``heard.wav`` in its folder), gaps as silence."""
        return self.capture.write_wav(self.folder / "heard.wav")
