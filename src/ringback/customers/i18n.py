"""The customers' languages: gettext catalogues read with Babel, and local dates and times.

A catalogue is ``locale/<language>/LC_MESSAGES/<domain>.po`` beside this module (the page's
domain is ``page``; the e-mails have their own). It is compiled when first used, so adding a
language is adding one ``.po`` file. Messages are written in English, which is the default::

    language = language_for("fr-CA", domain="page")   # French, the nearest one there is
    language.gettext("Cancel")                        # "Annuler"
    language.moment(when, zone)                       # "lundi 7 décembre 2026, 14:30"
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    format_timedelta,
    get_datetime_format,
    get_timezone_location,
    get_timezone_name,
)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"


def available(domain: str, locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages with a catalogue in ``domain``, and English, sorted."""
    found = {path.parent.parent.name for path in locale_dir.glob(f"*/LC_MESSAGES/{domain}.po")}
    return tuple(sorted(found | {DEFAULT_LANGUAGE}))


def negotiate(tags: str | list[str] | None, choices: tuple[str, ...]) -> str:
    """The best of ``choices`` for a BCP 47 tag (or tags, best first): ``fr-CA`` → ``fr_CA``
    if there is one, else ``fr``; English when none fits."""
    wanted = [tags] if isinstance(tags, str) else list(tags or [])
    by_lower = {choice.lower().replace("-", "_"): choice for choice in choices}
    for tag in wanted:
        parts = tag.strip().replace("_", "-").lower().split("-")
        while parts and parts[0]:
            found = by_lower.get("_".join(parts))
            if found is not None:
                return found
            parts.pop()
    return DEFAULT_LANGUAGE


def accepted_languages(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


@dataclass(frozen=True)
class Language:
    """One language of one domain: its messages, and its way of writing times."""

    tag: str  # as in locale/, e.g. "fr"
    locale: Locale
    translations: gettext.NullTranslations

    @property
    def bcp47(self) -> str:
        """For ``<html lang>``: ``fr``, ``pt-BR``."""
        return self.tag.replace("_", "-")

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def moment(self, when: datetime, zone: ZoneInfo) -> str:
        """A moment in ``zone`` with its weekday and date: "Monday, December 7, 2026 at 2:30 PM"."""
        combined = str(get_datetime_format("long", locale=self.locale)).replace("'", "")
        return combined.replace("{0}", self.time(when, zone)).replace("{1}", self.day(when, zone))

    def day(self, when: datetime, zone: ZoneInfo) -> str:
        """The day of a moment in ``zone``: "Monday, December 7, 2026"."""
        return format_date(when.astimezone(zone), "full", locale=self.locale)

    def day_of(self, day: date) -> str:
        """A calendar day in full: "Monday, December 7, 2026"."""
        return format_date(day, "full", locale=self.locale)

    def short_day(self, day: date) -> str:
        """A calendar day in short: "Mon, Dec 7", "lun. 7 déc."."""
        return format_skeleton("MMMEd", day, locale=self.locale)

    def time(self, when: datetime, zone: ZoneInfo) -> str:
        """The time of day of a moment in ``zone``: "2:30 PM", "14:30"."""
        return format_time(when.astimezone(zone), "short", locale=self.locale)

    def zone(self, zone: ZoneInfo) -> str:
        """A time zone's name for people, with its city: "Central Time (Chicago)"; "UTC"."""
        if zone.key in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
            return "UTC"
        name = get_timezone_name(zone, width="long", zone_variant="generic", locale=self.locale)
        city = get_timezone_location(zone, locale=self.locale, return_city=True)
        return f"{name} ({city})"

    def wait(self, wait: timedelta) -> str:
        """About how long: "about 15 minutes", "environ 2 heures"."""
        return format_timedelta(
            max(wait, timedelta(minutes=1)), threshold=1.5, add_direction=False, locale=self.locale
        )


def language_for(tags: str | list[str] | None, *, domain: str) -> Language:
    """The language to speak to someone who asked for ``tags`` (BCP 47, best first)."""
    return _language(negotiate(tags, available(domain)), domain)


@cache
def _language(tag: str, domain: str) -> Language:
    try:
        locale = Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(DEFAULT_LANGUAGE)
    return Language(tag, locale, _translations(tag, domain, LOCALE_DIR))


def _translations(tag: str, domain: str, locale_dir: Path) -> gettext.NullTranslations:
    path = locale_dir / tag / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=tag, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
