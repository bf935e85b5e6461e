"""Field substitution in standard responses, and callback times said the customer's way.

Pure functions: no database, no clock. A response text names fields in braces,
``Dear {contact.first_name},``; ``{{`` and ``}}`` stand for literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The fields a response may name; substitution_fields() in fields.py fills them.
FIELDS = (
    "contact.first_name",
    "contact.last_name",
    "contact.name",
    "agent.name",
    "callback.desired_time",
    "callback.phone",
    "service.name",
)

_TOKEN = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\}")


def render_response(text: str, fields: Mapping[str, str | None]) -> str:
    """``text`` with each ``{field}`` replaced by its value.

    A field without a value (unknown, None or blank) shows as ``[field]``, so the agent sees
    what is missing before sending; the text is never silently cut.
    """

    def substitute(token: re.Match[str]) -> str:
        match token.group(0):
            case "{{":
                return "{"
            case "}}":
                return "}"
        name = token.group(1)
        value = fields.get(name)
        return value if value is not None and value.strip() else f"[{name}]"

    return _TOKEN.sub(substitute, text)


def template_problems(text: str) -> list[str]:
    """What is wrong with a response text: unknown fields and braces that open nothing."""
    problems = [
        f"unknown field {{{name}}} (known: {', '.join(FIELDS)})"
        for name in dict.fromkeys(m.group(1) for m in _TOKEN.finditer(text) if m.group(1))
        if name not in FIELDS
    ]
    rest = _TOKEN.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append(
            "a lone { or } (write {{ or }} for a brace, {contact.first_name} for a field)"
        )
    return problems


@dataclass(frozen=True)
class _Words:
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    first_of_month: str  # how the 1st is written ("1", "1er")


_ENGLISH = _Words(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "1",
)
_FRENCH = _Words(
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "1er",
)
_LANGUAGES = {"en": _ENGLISH, "fr": _FRENCH}


def callback_time_for_customer(
    desired_time: datetime,
    customer_zone: str | None,
    service_zone: str,
    locale_hint: str | None = None,
) -> str:
    """The callback time as the customer reads it, e.g.
    ``Tuesday 8 December 2026, 10:30 (America/New_York)``.

    Shown in the customer's zone when known, else the service's. During the hour a DST change
    repeats, the zone's abbreviation is added, since "01:30" alone would name two instants.
    ``locale_hint`` ("fr", "fr-CA"...) picks the words; English when unknown.
    """
    if desired_time.tzinfo is None:
        raise ValueError("desired_time must be timezone-aware")
    zone_name, zone = _zone(customer_zone) or _zone(service_zone) or ("UTC", ZoneInfo("UTC"))
    local = desired_time.astimezone(zone)
    words = _LANGUAGES.get((locale_hint or "en").replace("_", "-").split("-")[0].lower(), _ENGLISH)
    day = words.first_of_month if local.day == 1 else str(local.day)
    text = (
        f"{words.weekdays[local.weekday()]} {day} {words.months[local.month - 1]} {local.year}, "
        f"{local:%H:%M}"
    )
    wall = local.replace(tzinfo=None)
    repeated = (
        wall.replace(fold=0, tzinfo=zone).utcoffset()
        != wall.replace(fold=1, tzinfo=zone).utcoffset()
    )
    return f"{text} ({zone_name}, {local.tzname()})" if repeated else f"{text} ({zone_name})"


def _zone(name: str | None) -> tuple[str, ZoneInfo] | None:
    if not name:
        return None
    try:
        return name, ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
