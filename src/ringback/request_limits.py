"""What every HTTP request must respect before any route sees it: a body size, and no NUL.

The body is read here once, up to the limit, because the NUL check needs it whole; the same
read enforces the size (FastAPI's own limit answers outside Ringback's problem handlers).

Both are checked here, ahead of authentication, so that an anonymous client can neither make
the node read a huge body into memory nor reach a database with text that one engine stores
and the other refuses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ringback.errors import PROBLEM_JSON, RingbackError
from ringback.metrics import Metrics

NUL = "\x00"


class RequestLimits:
    """Refuse bodies over ``max_body_bytes`` with 413, and NUL characters anywhere with 422."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, metrics: Metrics) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _nul_in_url(scope)
        body: bytes | None = None
        if refusal is None:
            body, refusal = await self._read_body(scope, receive)
        if refusal is None and body and _is_json(scope):
            refusal = _json_refusal(body)
        if refusal is not None:
            await self._refuse(refusal, scope, receive, send)
            return
        if body is None:
            await self.app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the client's disconnect

        await self.app(scope, replay, send)

    async def _read_body(
        self, scope: Scope, receive: Receive
    ) -> tuple[bytes | None, RingbackError | None]:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            return None, self._too_large()
        if not declared and not _chunked(scope):
            return None, None  # HTTP/1.1: no length and not chunked is no body
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks), None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:  # a chunked body that said nothing of its size
                return None, self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    def _too_large(self) -> RingbackError:
        return RingbackError(
            "request-too-large",
            f"the request body is larger than {self.max_body_bytes} bytes",
            status=413,
            max_bytes=self.max_body_bytes,
        )

    async def _refuse(
        self, error: RingbackError, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.metrics.refusals.labels(code=error.code).inc()
        headers = dict(error.headers)
        if error.status == 413:
            headers["Connection"] = "close"  # the rest of the body is not worth reading
        response = JSONResponse(
            error.problem(instance=scope["path"]),
            status_code=error.status,
            media_type=PROBLEM_JSON,
            headers=headers,
        )
        await response(scope, receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _chunked(scope: Scope) -> bool:
    return b"chunked" in (_header(scope, b"transfer-encoding") or b"").lower()


def _is_json(scope: Scope) -> bool:
    content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
    return content_type == b"application/json" or content_type.endswith(b"+json")


def _nul_error(field: str, where: str) -> RingbackError:
    return RingbackError(
        "invalid-request",
        f"{field}: must not contain the NUL character",
        status=422,
        field=field,
        errors=[{"field": field, "in": where, "reason": "must not contain the NUL character"}],
    )


def _nul_in_url(scope: Scope) -> RingbackError | None:
    if NUL in scope["path"]:
        return _nul_error("path", "path")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return _nul_error(name.replace(NUL, "\\0"), "query")
    return None


def _json_refusal(body: bytes) -> RingbackError | None:
    try:
        document = json.loads(body)
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for bytes not in UTF-8
        reason = f"the body is not JSON in UTF-8 ({exc})"
        return RingbackError(
            "invalid-request",
            reason,
            status=422,
            errors=[{"field": "", "in": "body", "reason": reason}],
        )
    for field in _nul_fields(document, ()):
        return _nul_error(field, "body")
    return None


def _nul_fields(value: Any, path: tuple[str, ...]) -> Iterator[str]:
    """The dotted paths of the strings (values or keys) that hold a NUL, in document order."""
    if isinstance(value, str):
        if NUL in value:
            yield ".".join(path) or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield ".".join((*path, key.replace(NUL, "\\0")))
            yield from _nul_fields(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_fields(item, (*path, str(index)))
