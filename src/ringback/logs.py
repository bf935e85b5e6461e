"""Log lines: one per event, structured, tracebacks without local variables, never a secret.

A server writes JSON lines, or a plain console format for a person at a terminal. structlog's
loggers and the standard library's (uvicorn, SQLAlchemy, asyncio) go through the same
processors and the same handler on stderr. :func:`redact` is the last line of defence: code
should not log secrets in the first place, but a secret in an exception message or a value
logged by mistake is masked before the line is written.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

import structlog
from structlog.typing import EventDict, FilteringBoundLogger, Processor, WrappedLogger

from ringback.apikeys.service import KEY_PREFIX

if TYPE_CHECKING:
    from ringback.metrics import LoopCounts


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


REDACTED = "[redacted]"
# Values under keys named like this are never written, whatever they hold.
SECRET_NAME = re.compile(r"secret|token|passw|authori[sz]ation|cookie|api[_-]?key", re.IGNORECASE)
_URLSAFE = "A-Za-z0-9_-"
_NOT_MASKED = rf"(?!{re.escape(REDACTED)})"
# Secrets inside text (messages, exception text), masked wherever they appear.
_SECRET_TEXT: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # password=..., 'token': '...', api_key: ... in URLs' queries, reprs and JSON; not code
    # (``token == x``) nor SQL placeholders (``token_hash = ?``) in a traceback.
    (
        re.compile(
            r"(\b[\w-]*(?:secret|token|passw(?:or)?d|api[_-]?key)[\w-]*[\"']?\s*[=:]\s*)"
            rf"(?:([\"']){_NOT_MASKED}[^\n]*?\2|{_NOT_MASKED}(?![=?$:%\"'])[^\s\"',;&)}}\]]+)",
            re.IGNORECASE,
        ),
        lambda match: f"{match[1]}{match[2] or ''}{REDACTED}{match[2] or ''}",
    ),
    # An API key keeps its public prefix, which names the key without opening anything.
    (re.compile(rf"\b({KEY_PREFIX}_[0-9a-f]+_){_NOT_MASKED}[{_URLSAFE}]+"), rf"\1{REDACTED}"),
    (re.compile(rf"(?i)\b(bearer\s+){_NOT_MASKED}[^\s\"',;]+"), rf"\1{REDACTED}"),
    # user:password@ in a URL
    (re.compile(rf"(://[^/\s:@]*:){_NOT_MASKED}[^/\s@]+@"), rf"\1{REDACTED}@"),
    # Session and CSRF tokens (secrets.token_urlsafe): long runs of URL-safe characters with
    # both cases, which hex digests, UUIDs and identifiers are not.
    (
        re.compile(
            rf"(?<![{_URLSAFE}])(?=[{_URLSAFE}]*[a-z])(?=[{_URLSAFE}]*[A-Z])"
            rf"[{_URLSAFE}]{{32,}}(?![{_URLSAFE}])"
        ),
        REDACTED,
    ),
]


def mask(text: str) -> str:
    """``text`` with every API key, session token, bearer value and password in it masked."""
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {
            key: REDACTED if SECRET_NAME.search(str(key)) else _scrubbed(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrubbed(item) for item in value]
    return mask(str(value))  # an object's text may hold anything


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Processor: mask secrets by the name of their key and by the look of their value."""
    scrubbed: EventDict = _scrubbed(event_dict)
    return scrubbed


# What every event gets, whether structlog or the standard library logged it.
EVENT_PROCESSORS: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(
    log_format: LogFormat, *, colors: bool = False
) -> structlog.stdlib.ProcessorFormatter:
    """The formatter for every record: structlog's events and the standard library's."""
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format is LogFormat.JSON
        # Rich's tracebacks print every frame's locals (secrets included) and take seconds.
        else structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        )
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=EVENT_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # plain text, no locals
            redact,
            renderer,
        ],
    )


def configure(level: str = "info", log_format: LogFormat | None = None) -> None:
    """Send every log line to stderr in one format: JSON lines, unless ``log_format`` says
    otherwise or stderr is a terminal (then the console format)."""
    terminal = sys.stderr.isatty()
    chosen = log_format or (LogFormat.CONSOLE if terminal else LogFormat.JSON)
    threshold = logging.getLevelNamesMapping()[level.upper()]
    handler = _StderrHandler()
    handler.setFormatter(formatter(chosen, colors=terminal))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(threshold)
    # SQL statements and their parameters are never logged, whatever the level; alembic would
    # log two lines at every readiness probe.
    for chatty in ("sqlalchemy", "aiosqlite", "alembic"):
        logging.getLogger(chatty).setLevel(max(threshold, logging.WARNING))
    logging.captureWarnings(True)
    structlog.configure(
        processors=[*EVENT_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
    )


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to ``sys.stderr`` as it is at each line, not as it was when logging was set up
    (a command run inside a test writes to a stream that is closed after it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _ignored: TextIO) -> None:
        pass


class FailureStreak:
    """A loop's failures in a row: one error line when they start, one when they end.

    Retrying every few seconds while the database is down must not write a traceback per try.
    """

    def __init__(
        self,
        log: FilteringBoundLogger,
        what: str,
        *,
        counts: LoopCounts | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._what = what
        self._counts = counts
        self._now = now
        self._started = 0.0
        self.failures = 0

    def failed(self, error: Exception) -> None:
        """Count a failure; only the first of a streak is logged, with its traceback."""
        self.failures += 1
        if self._counts is not None:
            self._counts.failed()
        reason = f"{type(error).__name__}: {error}"
        if self.failures == 1:
            self._started = self._now()
            self._log.error(f"{self._what} failed; retrying", error=reason, exc_info=error)
        else:
            self._log.debug(f"{self._what} still failing", failures=self.failures, error=reason)

    def succeeded(self, items: int = 0) -> None:
        """Count a pass that handled ``items``; end the streak, if any, with how many tries
        failed and for how long."""
        if self._counts is not None:
            self._counts.passed(items)
        if self.failures:
            self._log.warning(
                f"{self._what} recovered",
                failures=self.failures,
                seconds=round(self._now() - self._started, 1),
            )
            self.failures = 0
