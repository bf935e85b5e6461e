"""Log lines: secrets masked, tracebacks plain, one error line per failure streak."""

from __future__ import annotations

import base64
import io
import json
import logging
import random
from datetime import UTC, datetime

import pytest
import structlog
from structlog.testing import LogCapture
from structlog.typing import FilteringBoundLogger

from ringback.apikeys.service import create_key
from ringback.db import Database
from ringback.logs import (
    EVENT_PROCESSORS,
    REDACTED,
    FailureStreak,
    LogFormat,
    formatter,
    mask,
    redact,
)


def capturing() -> tuple[FilteringBoundLogger, LogCapture]:
    capture = LogCapture()
    log = structlog.wrap_logger(
        None, processors=[capture], wrapper_class=structlog.make_filtering_bound_logger(0)
    )
    return log, capture


def session_tokens(count: int, size: int) -> list[str]:
    """Tokens as ``secrets.token_urlsafe(size)`` makes them (sessions 32, CSRF 24), seeded."""
    rng = random.Random(7)
    return [
        base64.urlsafe_b64encode(rng.randbytes(size)).rstrip(b"=").decode() for _ in range(count)
    ]


def test_values_under_secret_names_are_replaced_at_any_depth() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "request",
            "password": "hunter2",
            "headers": {"Authorization": "Basic YWRhOmh1bnRlcjI=", "accept": "application/json"},
            "keys": [{"api_key": 42}, {"name": "website"}],
            "csrf_token": None,
            "Cookie": "theme=dark",
            "login": "ada",
        },
    )
    assert event == {
        "event": "request",
        "password": REDACTED,
        "headers": {"Authorization": REDACTED, "accept": "application/json"},
        "keys": [{"api_key": REDACTED}, {"name": "website"}],
        "csrf_token": REDACTED,
        "Cookie": REDACTED,
        "login": "ada",
    }


@pytest.mark.anyio
async def test_an_api_key_is_masked_wherever_it_appears_and_keeps_its_public_prefix(
    db: Database,
) -> None:
    async with db.transaction() as session:
        issued = await create_key(session, name="website", services=["*"], now=datetime.now(UTC))
    secret, prefix = issued.secret, issued.key.prefix
    event = redact(
        None,
        "error",
        {
            "event": f"refused {secret}.",
            "exception": f"Traceback ...\nValueError: bad key '{secret}'",
            "request": ("GET", f"/x?key={secret}"),
            "header": f"Bearer {secret}",
        },
    )
    assert secret not in json.dumps(event)
    assert f"_{prefix}_{REDACTED}" in event["event"]


def test_session_and_csrf_tokens_are_masked_in_any_text() -> None:
    for token in session_tokens(500, 32) + session_tokens(500, 24):
        for text in (
            f"ringback_session={token}; theme=dark",
            f"authenticate(token='{token}')",
            f"Bearer {token}",
            f'{{"token": "{token}"}}',
            f"no session for {token}",
        ):
            assert token not in mask(text), text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("password=hunter2 next", f"password={REDACTED} next"),
        (
            "SignIn(login='ada', password='correct horse')",
            f"SignIn(login='ada', password='{REDACTED}')",
        ),
        (
            "postgresql://ringback:s3cret@db/ringback",
            f"postgresql://ringback:{REDACTED}@db/ringback",
        ),
        ("Authorization: Bearer abc.def", f"Authorization: Bearer {REDACTED}"),
    ],
)
def test_secrets_in_text_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert mask(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        "callback 01a21625-bdba-7e4d-800c-2292a8062720: queued -[offer]-> offered",
        "sha256 " + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "WHERE agent_sessions.token_hash = ? AND token_hash == token_hash",
        'File "/srv/ringback/src/ringback/workspace/auth.py", line 40, in token_agent',
        "test_a_log_of_a_run_with_errors_and_secrets_holds_no_secret",
    ],
)
def test_ids_digests_code_and_names_are_left_alone(text: str) -> None:
    assert mask(text) == text


def failing_request(authorization: str) -> None:
    password = "locals-are-never-shown"
    raise RuntimeError(f"refused {authorization} ({len(password)})")


@pytest.mark.parametrize("log_format", list(LogFormat))
def test_a_traceback_is_plain_text_without_locals_and_without_secrets(
    log_format: LogFormat,
) -> None:
    (token,) = session_tokens(1, 32)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter(log_format))
    stdlib = logging.Logger("ringback.test")  # apart from the root logger
    stdlib.addHandler(handler)
    log = structlog.wrap_logger(
        stdlib,
        processors=[*EVENT_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    try:
        failing_request(f"Bearer {token}")
    except RuntimeError as exc:
        log.error("request failed", path="/api/v1/workspace/me", exc_info=exc)
        # uvicorn logs through the standard library: the same formatter renders it.
        stdlib.error("Exception in ASGI application", exc_info=exc)

    written = out.getvalue()
    assert token not in written
    assert "locals-are-never-shown" not in written  # a local variable's value
    assert written.count("Traceback (most recent call last):") == 2
    if log_format is LogFormat.JSON:
        lines = [json.loads(line) for line in written.splitlines()]
        assert [(e["event"], e["level"], e["logger"]) for e in lines] == [
            ("request failed", "error", "ringback.test"),
            ("Exception in ASGI application", "error", "ringback.test"),
        ]
        assert lines[0]["exception"].endswith(f"RuntimeError: refused Bearer {REDACTED} (22)")
    else:
        assert f"RuntimeError: refused Bearer {REDACTED} (22)" in written


def test_a_failure_streak_is_one_error_line_and_one_line_when_it_ends() -> None:
    log, capture = capturing()
    now = 100.0
    streak = FailureStreak(log, "routing pass", now=lambda: now)
    streak.succeeded()  # nothing failed: nothing to say
    down = ConnectionRefusedError("the database is down")
    for _ in range(3):
        streak.failed(down)
        now += 2.5
    streak.succeeded()
    streak.succeeded()
    streak.failed(TimeoutError("again"))

    assert [(e["log_level"], e["event"]) for e in capture.entries] == [
        ("error", "routing pass failed; retrying"),
        ("debug", "routing pass still failing"),
        ("debug", "routing pass still failing"),
        ("warning", "routing pass recovered"),
        ("error", "routing pass failed; retrying"),
    ]
    first, _, third, recovered, again = capture.entries
    assert first["error"] == "ConnectionRefusedError: the database is down"
    assert first["exc_info"] is down
    assert "exc_info" not in third and third["failures"] == 3
    assert (recovered["failures"], recovered["seconds"]) == (3, 7.5)
    assert again["error"] == "TimeoutError: again"
