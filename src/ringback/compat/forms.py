"""Request bodies the vendors' clients send: JSON, or HTML form fields (urlencoded)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from ringback.errors import RingbackError

FORM = "application/x-www-form-urlencoded"


async def fields(request: Request, *, field_name: str = "") -> dict[str, Any]:
    """The body's fields: a JSON object, or form fields (a repeated field keeps its last value)."""
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw.strip():
        return {}
    if kind == FORM:
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise bad_body(
                "the form fields are not valid application/x-www-form-urlencoded"
            ) from None
    if kind in ("application/json", "") or kind.endswith("+json"):
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            raise bad_body("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise bad_body("the body must be a JSON object")
        return body
    raise RingbackError(
        "unsupported-media-type",
        f"send JSON or {FORM}, not {kind}",
        status=400,
        field=field_name or None,
    )


def bad_body(detail: str) -> RingbackError:
    return RingbackError("invalid-request", detail, status=400)


def form_or_json(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for an operation taking the same fields as JSON or a form."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                FORM: {"schema": schema},
            },
        }
    }
