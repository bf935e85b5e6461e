"""IANA time zone names, checked against the zone database shipped with the package."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _zone_names() -> frozenset[str]:
    # tzdata's list, not the host's /usr/share/zoneinfo: that folder also holds files such as
    # "localtime" that name no zone, and it differs from one machine to the next.
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())


def check_zone(name: str) -> str:
    """``name`` if it is an IANA time zone, else ValueError with a message for people."""
    if name not in _zone_names():
        shown = name if len(name) <= 64 else name[:61] + "..."
        raise ValueError(f"{shown!r} is not an IANA time zone (e.g. Europe/Paris)")
    return name
