"""Field types the HTTP APIs share."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")


def _iso_text(value: Any) -> Any:
    # Pydantic also reads a number (or a string of digits) as seconds since 1970; an API that
    # documents an ISO 8601 time with an offset refuses it instead of guessing.
    if not isinstance(value, str) or _NUMBER.match(value):
        raise ValueError("must be an ISO 8601 date and time with a UTC offset, as a string")
    return value


OffsetDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""An ISO 8601 date and time with a UTC offset (``2026-12-07T09:30:00+01:00``), nothing else."""
