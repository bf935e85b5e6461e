"""A media worker's PJSIP side: one pjsua2 Endpoint, the legs of one call, and who hears whom.

Everything here runs on one thread, the one that created the Endpoint: PJSIP is set up without
threads of its own (``threadCnt = 0``, no separate media ioqueue), so its callbacks, SIP and RTP
all happen inside :meth:`Engine.poll`. No other thread may touch a pjsua2 object, nor drop the
last reference to one (its destructor calls into PJSIP), so the legs live in this object until
it is stopped. A Python exception must never leave a callback: it would cross PJSIP's C++ and
abort the process.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pjsua2 as pj
import structlog

from ringback.telephony.sip.protocol import (
    Answered,
    Dial,
    DigitReceived,
    DigitsSent,
    Ended,
    HangUp,
    Hold,
    Message,
    Mix,
    Reached,
    Ringing,
    SendDtmf,
    Sync,
    Synced,
)
from ringback.telephony.sip.settings import LEGS_PER_CALL, RingbackTone, SipSettings

log = structlog.get_logger(__name__)

POLL_MILLISECONDS = 10
# A worker without legs waits longer between looks at its commands (a call's first command
# waits that long at most): polling every 10 ms costs an idle worker 1% of a core.
IDLE_POLL_MILLISECONDS = 50
HOLD_RETRY_SECONDS = 0.1  # a re-INVITE refused while another is under way is sent again
STOP_SECONDS = 2.0  # how long stopping waits for BYEs and CANCELs to be answered
_AUDIO_STATES = frozenset(
    {pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_LOCAL_HOLD, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD}
)
_DTMF_METHODS = {pj.PJSUA_DTMF_METHOD_RFC2833: "rfc4733", pj.PJSUA_DTMF_METHOD_SIP_INFO: "sip-info"}
_LOG_LEVELS = {0: "error", 1: "error", 2: "warning", 3: "info"}
# Each ringback tone as (frequency, second frequency, milliseconds on, milliseconds off).
RINGBACK_CADENCES: dict[RingbackTone, list[tuple[int, int, int, int]]] = {
    RingbackTone.NORTH_AMERICA: [(440, 480, 2000, 4000)],
    RingbackTone.EUROPE: [(425, 0, 1000, 4000)],
    RingbackTone.UNITED_KINGDOM: [(400, 450, 400, 200), (400, 450, 400, 2000)],
    RingbackTone.NONE: [],
}

Report = Callable[[Message], None]
MUSIC, RINGBACK = "music", "ringback"
Source = int | str  # a leg's number, MUSIC or RINGBACK
Edge = tuple[Source, int]  # what a leg hears: (source, listening leg)


class _PjsipLog(pj.LogWriter):  # type: ignore[misc]
    """PJSIP's log lines, into the worker's log."""

    def write(self, entry: Any) -> None:
        try:
            level = _LOG_LEVELS.get(entry.level, "debug")
            getattr(log, level)("pjsip", line=entry.msg.rstrip())
        except Exception:  # noqa: S110 - a log line must never abort the process
            pass


class _Account(pj.Account):  # type: ignore[misc]
    """The switch's own SIP address; calls to it are refused."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def onIncomingCall(self, prm: Any) -> None:
        self.engine.guard(self.engine.on_incoming, self, prm.callId, prm.rdata.srcAddress)


class Leg(pj.Call):  # type: ignore[misc]
    """One SIP call of the worker, named by the number the switch gave it."""

    def __init__(self, engine: Engine, number: int, account: Any) -> None:
        super().__init__(account)
        self.engine = engine
        self.number = number
        self.audio: Any = None  # its port in the conference bridge, once media flows
        self.reached = False  # the network answered the INVITE (100 Trying or more)
        self.rang = False
        self.answered = False
        self.ended = False
        self.want_held = False
        self.signalled_held = False
        self.hold_retry_at: float | None = None

    def onCallState(self, prm: Any) -> None:
        self.engine.guard(self.engine.on_state, self)

    def onCallTsxState(self, prm: Any) -> None:
        self.engine.guard(self.engine.on_transaction, self, prm)

    def onCallMediaState(self, prm: Any) -> None:
        self.engine.guard(self.engine.on_media, self)

    def onDtmfDigit(self, prm: Any) -> None:
        self.engine.guard(self.engine.on_digit, self, prm.digit, prm.method)


class Engine:
    """The legs of one call at a time, their audio in the conference bridge, and hold music."""

    def __init__(
        self, settings: SipSettings, *, slot: int, hold_music: Path, report: Report
    ) -> None:
        self._settings = settings
        self._slot = slot
        self._hold_music = hold_music
        self._report = report
        self._endpoint: Any = None
        self._log_writer = _PjsipLog()
        self._account: Any = None
        # One account per caller id customers are shown (From:), made on first use.
        self._caller_id_accounts: dict[str, Any] = {}
        self._transport_id = -1
        self._sip_port = 0
        self._music: Any = None
        self._legs: dict[int, Leg] = {}
        # Ended legs, deleted once no leg is left: an ended pjsua2 Call still names its PJSIP
        # call slot, and deleting it clears whatever that slot holds, maybe a newer leg.
        self._ended: list[Any] = []
        self._refusing: list[Any] = []  # calls offered to the switch, refused after the poll
        # The mix the switch asked for, and the bridge's connections that carry it out.
        self._links: set[frozenset[int]] = set()
        self._music_for: set[int] = set()
        self._ringing: set[tuple[int, int]] = set()
        self._wired: set[Edge] = set()
        self._ringback: Any = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> int:
        """Create the Endpoint, bind its UDP transport; returns the SIP port it listens on."""
        settings, address = self._settings, str(self._settings.local_address)
        endpoint = self._endpoint = pj.Endpoint()
        endpoint.libCreate()
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = False
        config.uaConfig.maxCalls = LEGS_PER_CALL
        config.uaConfig.userAgent = "Ringback"
        config.logConfig.level = settings.pjsip_log_level
        config.logConfig.consoleLevel = settings.pjsip_log_level
        config.logConfig.writer = self._log_writer
        config.logConfig.decor = pj.PJ_LOG_HAS_SENDER
        config.medConfig.threadCnt = 0
        config.medConfig.hasIoqueue = False
        config.medConfig.clockRate = 8000
        config.medConfig.sndClockRate = 8000
        config.medConfig.channelCount = 1
        config.medConfig.noVad = True
        config.medConfig.ecTailLen = 0
        endpoint.libInit(config)
        endpoint.audDevManager().setNullDev()

        transport = pj.TransportConfig()
        transport.port = settings.worker_sip_port(self._slot)
        transport.boundAddress = address
        transport.publicAddress = address
        transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        endpoint.libStart()
        self._prefer_codecs()
        port = int(endpoint.transportGetInfo(transport_id).localName.rpartition(":")[2])

        self._transport_id, self._sip_port = transport_id, port
        self._account = self._new_account(f"sip:{settings.user}@{address}:{port}")
        self._music = pj.AudioMediaPlayer()
        self._music.createPlayer(str(self._hold_music), 0)  # 0: loop
        self._ringback = pj.ToneGenerator()
        self._ringback.createToneGenerator(8000, 1)
        return port

    def _account_for(self, caller_id: str | None) -> Any:
        if caller_id is None:
            return self._account
        account = self._caller_id_accounts.get(caller_id)
        if account is None:
            address = self._settings.local_address
            account = self._new_account(f"sip:{caller_id}@{address}:{self._sip_port}")
            self._caller_id_accounts[caller_id] = account
        return account

    def _new_account(self, uri: str) -> Any:
        settings, address = self._settings, str(self._settings.local_address)
        config = pj.AccountConfig()
        config.idUri = uri
        config.sipConfig.transportId = self._transport_id
        rtp_first, rtp_count = settings.worker_rtp_ports(self._slot)
        media = config.mediaConfig.transportConfig
        media.port = rtp_first
        media.portRange = rtp_count
        media.boundAddress = address
        media.publicAddress = address
        nat = config.natConfig
        nat.iceEnabled = False
        nat.sipStunUse = pj.PJSUA_STUN_USE_DISABLED
        nat.mediaStunUse = pj.PJSUA_STUN_USE_DISABLED
        nat.contactRewriteUse = 0
        nat.viaRewriteUse = 0
        nat.sdpNatRewriteUse = 0
        nat.sipOutboundUse = 0
        if settings.auth_username is not None and settings.auth_password is not None:
            config.sipConfig.authCreds.append(
                pj.AuthCredInfo(
                    "digest",
                    settings.auth_realm,
                    settings.auth_username,
                    0,  # a plain password
                    settings.auth_password.get_secret_value(),
                )
            )
        account = _Account(self)
        account.create(config)
        return account

    def _prefer_codecs(self) -> None:
        wanted = self._settings.codecs
        for codec in self._endpoint.codecEnum2():
            name = codec.codecId.rsplit("/", 1)[0] if codec.codecId.count("/") == 2 else ""
            priority = 255 - wanted.index(name) if name in wanted else 0
            self._endpoint.codecSetPriority(codec.codecId, priority)

    def stop(self) -> None:
        """Hang up every leg, wait a little for the far ends to answer, destroy the Endpoint."""
        if self._endpoint is None:
            return
        self._hang_up_all()
        deadline = time.monotonic() + STOP_SECONDS
        while self._legs and time.monotonic() < deadline:
            self._endpoint.libHandleEvents(POLL_MILLISECONDS)
        # Every pjsua2 object goes now, while PJSIP is still there: one deleted after
        # libDestroy (a leg kept by a stray reference) aborts the process.
        self._music = self._ringback = None
        self._refuse_incoming()
        self._legs.clear()
        self._ended.clear()
        gc.collect()
        for account in (self._account, *self._caller_id_accounts.values()):
            if account is not None:
                account.shutdown()
        self._account = None
        self._caller_id_accounts.clear()
        # The legs were given their time above: no second's wait for stray answers.
        self._endpoint.libDestroy(pj.PJSUA_DESTROY_NO_RX_MSG)
        self._endpoint = None

    def _hang_up_all(self) -> None:
        # Its own frame, so that no local variable holds a leg past the Endpoint's end.
        for leg in list(self._legs.values()):
            self._hang_up(leg)

    def poll(self) -> None:
        """Let PJSIP handle what arrived (SIP, RTP, timers) for a few milliseconds."""
        self._endpoint.libHandleEvents(
            POLL_MILLISECONDS if self._legs or self._refusing else IDLE_POLL_MILLISECONDS
        )
        self._refuse_incoming()
        now = time.monotonic()
        for leg in list(self._legs.values()):
            if leg.hold_retry_at is not None and leg.hold_retry_at <= now:
                self._signal_hold(leg)
        if not self._legs:
            self._ended.clear()

    def guard(self, callback: Callable[..., None], *args: Any) -> None:
        """Run a PJSIP callback's work; an exception is logged, never raised into PJSIP."""
        try:
            callback(*args)
        except Exception:
            log.exception("media worker callback failed", callback=callback.__name__)

    # -- commands ---------------------------------------------------------------------------

    def handle(self, command: Message) -> None:
        """Carry out one command of the switch; failures are reported as leg events or logged."""
        match command:
            case Dial():
                self._dial(command)
            case HangUp():
                leg = self._legs.get(command.leg)
                if leg is not None:
                    self._hang_up(leg)
            case Hold():
                leg = self._legs.get(command.leg)
                if leg is not None:
                    leg.want_held = command.held
                    self._signal_hold(leg)
            case Mix():
                self._mix(command)
            case SendDtmf():
                self._send_dtmf(command)
            case Sync():
                # Whatever reached the SIP socket by now is reported first.
                self._endpoint.libHandleEvents(0)
                self._report(Synced(leg=command.leg))
            case _:
                log.error("unknown media worker command", command=type(command).__name__)

    def _dial(self, command: Dial) -> None:
        try:
            account = self._account_for(command.caller_id)
        except pj.Error as exc:
            log.warning("caller id refused", leg=command.leg, error=exc.info())
            account = self._account
        leg = Leg(self, command.leg, account)
        self._legs[command.leg] = leg
        options = pj.CallOpParam(True)
        options.opt.audioCount = 1
        options.opt.videoCount = 0
        try:
            leg.makeCall(command.uri, options)
        except pj.Error as exc:
            log.warning("call not placed", leg=command.leg, uri=command.uri, error=exc.info())
            self._end(leg, 0, exc.reason or "not placed")

    def _hang_up(self, leg: Leg) -> None:
        try:
            leg.hangup(pj.CallOpParam(True))
        except pj.Error as exc:
            # Already over in PJSIP; its DISCONNECTED callback has come or is coming.
            log.debug("hang-up refused", leg=leg.number, error=exc.info())

    def _signal_hold(self, leg: Leg) -> None:
        leg.hold_retry_at = None
        if not leg.answered or leg.ended or leg.want_held == leg.signalled_held:
            return
        try:
            options = pj.CallOpParam(True)
            if leg.want_held:
                leg.setHold(options)
            else:
                options.opt.flag = pj.PJSUA_CALL_UNHOLD
                leg.reinvite(options)
        except pj.Error as exc:
            # Most often another re-INVITE of this leg is still under way: try again soon.
            log.debug("hold re-INVITE deferred", leg=leg.number, error=exc.info())
            leg.hold_retry_at = time.monotonic() + HOLD_RETRY_SECONDS
            return
        leg.signalled_held = leg.want_held

    def _mix(self, command: Mix) -> None:
        if command.ringing and not self._ringing:
            self._start_ringback()  # someone starts to hear it ring
        self._links = {frozenset(pair) for pair in command.links}
        self._music_for = set(command.music)
        self._ringing = set(command.ringing)
        self._rewire()

    def _wanted(self) -> set[Edge]:
        """Every one-way connection the mix asks for, as (source, listening leg)."""
        edges: set[Edge] = set()
        for link in self._links:
            first, second = sorted(link)
            edges |= {(first, second), (second, first)}
        edges |= {(MUSIC, number) for number in self._music_for}
        for listener, number in self._ringing:
            ringing = self._legs.get(number)
            # A far end that sends early media (a 183 with SDP: the carrier's own ringback, an
            # announcement) is heard as it is; otherwise the switch's ringback tone.
            early = ringing is not None and ringing.audio is not None and not ringing.answered
            edges.add((number, listener) if early else (RINGBACK, listener))
        return edges

    def _port(self, source: Source) -> Any:
        if source == MUSIC:
            return self._music
        if source == RINGBACK:
            return self._ringback
        leg = self._legs.get(int(source))
        return None if leg is None else leg.audio

    def _rewire(self, renewed: int | None = None) -> None:
        """Connect and disconnect in the bridge until it matches the mix. ``renewed``: a leg
        whose port was replaced or removed, whose old connections went with it."""
        if renewed is not None:
            self._wired = {edge for edge in self._wired if renewed not in edge}
        wanted = {
            edge
            for edge in self._wanted()
            if self._port(edge[0]) is not None and self._port(edge[1]) is not None
        }
        for edge in self._wired - wanted:
            self._connect(edge, on=False)
        for edge in wanted - self._wired:
            self._connect(edge, on=True)
        self._wired = wanted

    def _connect(self, edge: Edge, *, on: bool) -> None:
        source, listener = (self._port(end) for end in edge)
        try:
            if on:
                source.startTransmit(listener)
            else:
                source.stopTransmit(listener)
        except pj.Error as exc:
            log.debug("bridge connection unchanged", edge=edge, on=on, error=exc.info())

    def _start_ringback(self) -> None:
        """Start the ringback cadence from its beginning, as a phone starts ringing."""
        tones = pj.ToneDescVector()
        for first, second, on, off in RINGBACK_CADENCES[self._settings.ringback_tone]:
            tone = pj.ToneDesc()
            tone.freq1, tone.freq2, tone.on_msec, tone.off_msec = first, second, on, off
            tones.append(tone)
        try:
            self._ringback.stop()
            if len(tones):
                self._ringback.play(tones, True)
        except pj.Error as exc:
            log.warning("no ringback tone", error=exc.info())

    def _send_dtmf(self, command: SendDtmf) -> None:
        leg = self._legs.get(command.leg)
        if leg is None or not leg.answered:
            log.warning("DTMF for a leg not in a call", leg=command.leg)
            return
        digits = pj.CallSendDtmfParam()
        digits.digits = command.digits
        digits.method = pj.PJSUA_DTMF_METHOD_RFC2833
        try:
            leg.sendDtmf(digits)
        except pj.Error:
            # The far end did not offer telephone-event: SIP INFO, one request per digit.
            digits.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
            try:
                leg.sendDtmf(digits)
            except pj.Error as exc:
                log.warning("DTMF not sent", leg=command.leg, error=exc.info())
                return
        self._report(DigitsSent(leg=command.leg, digits=command.digits))

    # -- PJSIP's callbacks ------------------------------------------------------------------

    def on_state(self, leg: Leg) -> None:
        info = leg.getInfo()
        if info.state == pj.PJSIP_INV_STATE_EARLY and not leg.rang:
            leg.rang = True
            self._report(Ringing(leg=leg.number, status_code=info.lastStatusCode))
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED and not leg.answered:
            leg.answered = True
            self._report(Answered(leg=leg.number))
            self._signal_hold(leg)  # a hold asked for while it still rang
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._end(leg, info.lastStatusCode, info.lastReason)

    def on_transaction(self, leg: Leg, prm: Any) -> None:
        if leg.reached or prm.e.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        transaction = prm.e.body.tsxState.tsx
        if (
            transaction.method == "INVITE"
            and transaction.role == pj.PJSIP_ROLE_UAC
            and transaction.state == pj.PJSIP_TSX_STATE_PROCEEDING
        ):
            leg.reached = True
            self._report(Reached(leg=leg.number))

    def on_media(self, leg: Leg) -> None:
        info = leg.getInfo()
        leg.audio = None
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in _AUDIO_STATES:
                leg.audio = leg.getAudioMedia(index)
                break
        # A re-INVITE may give the leg a new port in the bridge (or none): connect it again.
        self._rewire(renewed=leg.number)

    def on_incoming(self, account: Any, call_id: int, source: str) -> None:
        # The switch places every call it is in; one offered to it would take one of the
        # worker's few call slots until it timed out.
        # Refused once PJSIP is out of this callback: hanging up inside it aborts.
        log.warning("incoming call refused", source=source)
        self._refusing.append(pj.Call(account, call_id))

    def _refuse_incoming(self) -> None:
        while self._refusing:
            call = self._refusing.pop()
            self._ended.append(call)
            answer = pj.CallOpParam(True)
            answer.statusCode = pj.PJSIP_SC_FORBIDDEN
            answer.reason = "Ringback places calls, it takes none"
            try:
                call.hangup(answer)
            except pj.Error as exc:
                log.debug("incoming call already gone", error=exc.info())

    def on_digit(self, leg: Leg, digit: str, method: int) -> None:
        self._report(
            DigitReceived(leg=leg.number, digit=digit, method=_DTMF_METHODS.get(method, "unknown"))
        )

    def _end(self, leg: Leg, status_code: int, reason: str) -> None:
        if leg.ended:
            return
        leg.ended = True
        leg.audio = None
        leg.hold_retry_at = None
        self._legs.pop(leg.number, None)
        self._rewire(renewed=leg.number)
        self._ended.append(leg)
        self._report(Ended(leg=leg.number, status_code=status_code, reason=reason))
