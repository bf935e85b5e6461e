"""Field types the HTTP APIs share."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Strict, WithJsonSchema

_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")


def _iso_text(value: Any) -> Any:
    # Pydantic also reads a number (or a string of digits) as seconds since 1970; an API that
    # documents an ISO 8601 time with an offset refuses it instead of guessing.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _NUMBER.match(value):
        raise ValueError("must be an ISO 8601 date and time with a UTC offset, as a string")
    return value


OffsetDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""An ISO 8601 date and time with a UTC offset (``2026-12-07T09:30:00+01:00``), nothing else."""


def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


JsonInteger = Annotated[int, Strict(), BeforeValidator(_integral)]
"""An integer as JSON Schema means it: 90 or 90.0, never "90", 90.5 or true."""
