"""A media worker process: ``python -m ringback.telephony.sip.worker``, started by the SIP switch.

It reads :mod:`~ringback.telephony.sip.protocol` commands on stdin (a ``Start`` first) and
writes leg events on stdout. PJSIP may abort the process when misused, and the PJSIP build in use
holds four calls per process, so each call's legs live in a worker apart from the switch. The
main thread owns PJSIP; a reader thread only passes stdin's lines along. Logs go to stderr.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import queue
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import structlog

from ringback.telephony.sip.protocol import Message, Ready, Start, StartFailed, Stop, decode
from ringback.telephony.sip.settings import SipSettings

if TYPE_CHECKING:
    from ringback.telephony.sip.engine import Engine

log = structlog.get_logger(__name__)


def _read_commands(source: BinaryIO, commands: queue.SimpleQueue[Message]) -> None:
    try:
        for line in source:
            try:
                commands.put(decode(line))
            except ValueError:
                log.error("media worker got a line that is no command", line=line[:200])
    finally:
        commands.put(Stop())  # the switch is gone: hang up and leave


def _serve(engine: Engine, commands: queue.SimpleQueue[Message]) -> None:
    """Carry out commands and let PJSIP work, until told to stop."""
    while True:
        while not commands.empty():
            command = commands.get_nowait()
            if isinstance(command, Stop):
                return
            engine.handle(command)
        engine.poll()


def _configure_logs(level: str, slot: int) -> None:
    """JSON lines on stderr, as the switch's own; set up here rather than by ringback.logs,
    whose imports (the API keys' models, SQLAlchemy) would double every worker's memory."""
    threshold = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.WriteLoggerFactory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
    )
    structlog.contextvars.bind_contextvars(media_worker=slot)


def main() -> None:
    # stdout carries the protocol alone. PJSIP prints a few lines of its own at start-up,
    # before its log goes to our logger: whatever else is written to descriptor 1 is dropped.
    events = os.fdopen(os.dup(1), "wb", buffering=0)
    faulthandler.enable()  # if PJSIP aborts, the log shows where Python was
    with open(os.devnull, "wb") as nowhere:
        os.dup2(nowhere.fileno(), 1)

    def report(message: Message) -> None:
        events.write(message.encode())

    try:
        start = decode(sys.stdin.buffer.readline())
    except ValueError:
        start = Stop()
    if not isinstance(start, Start):
        report(StartFailed(detail="the first command must be start"))
        os._exit(2)
    _configure_logs(start.log_level, start.slot)
    # pjsua2 is imported here only: the switch's own process never loads it.
    from ringback.telephony.sip.engine import Engine

    engine = Engine(
        SipSettings.model_validate(start.settings),
        slot=start.slot,
        hold_music=Path(start.hold_music),
        report=report,
    )
    status = 0
    try:
        report(Ready(sip_port=engine.start()))
        commands: queue.SimpleQueue[Message] = queue.SimpleQueue()
        reader = threading.Thread(
            target=_read_commands, args=(sys.stdin.buffer, commands), daemon=True
        )
        reader.start()
        _serve(engine, commands)
    except BrokenPipeError:
        log.warning("the switch stopped listening: media worker leaving")
    except Exception as exc:
        log.exception("media worker failed")
        status = 1
        with contextlib.suppress(OSError):
            report(StartFailed(detail=str(exc)))
    finally:
        try:
            engine.stop()
        except Exception:
            log.exception("media worker did not stop cleanly")
            status = 1
        # Python's own teardown must not meet pjsua2's objects after PJSIP is gone.
        os._exit(status)


if __name__ == "__main__":
    main()
