"""Languages of the customer's side: negotiation, catalogues, and local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ringback.customers.i18n import (
    accepted_languages,
    available,
    language_for,
    negotiate,
)

CHOICES = ("en", "fr", "pt_BR")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR-ca", "fr"),
        ("fr_FR", "fr"),
        ("pt-BR", "pt_BR"),
        ("pt-PT", "en"),  # no Portuguese but Brazil's: English rather than a guess
        ("de-DE", "en"),
        ("zh-Hant-TW", "en"),
        ("", "en"),
        (None, "en"),
        (["de", "fr-BE", "en"], "fr"),
        (["de", "it"], "en"),
    ],
)
def test_negotiation_takes_the_nearest_available_language(
    tags: str | list[str] | None, expected: str
) -> None:
    assert negotiate(tags, CHOICES) == expected


def test_accept_language_is_read_best_first() -> None:
    assert accepted_languages("en;q=0.5, fr-CA, fr;q=0.9, *;q=0.1, de;q=0") == [
        "fr-CA",
        "fr",
        "en",
    ]
    assert accepted_languages(None) == []
    assert accepted_languages("fr;q=x, en") == ["en"]


def test_the_page_speaks_english_and_french() -> None:
    assert {"en", "fr"} <= set(available("page"))
    assert language_for("fr-CA", domain="page").gettext("Your callback") == "Votre rappel"
    assert language_for("de", domain="page").gettext("Your callback") == "Your callback"


def test_a_new_language_is_one_po_file(tmp_path: Path) -> None:
    catalogue = tmp_path / "nl" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    (catalogue / "emails.po").write_text('msgid "Cancel"\nmsgstr "Annuleren"\n', encoding="utf-8")
    assert available("emails", tmp_path) == ("en", "nl")
    assert available("page", tmp_path) == ("en",)


def test_times_are_written_in_the_customers_zone_and_language() -> None:
    moment = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)
    toronto = ZoneInfo("America/Toronto")
    english = language_for("en-US", domain="page")
    french = language_for("fr-CA", domain="page")
    assert english.moment(moment, toronto) == "Monday, December 7, 2026, 2:30\u202fPM"
    assert french.moment(moment, toronto) == "lundi 7 décembre 2026, 14:30"
    assert french.time(moment, ZoneInfo("Europe/Paris")) == "20:30"
    assert english.zone(toronto) == "Eastern Time (Toronto)"
    assert french.zone(ZoneInfo("Europe/Paris")) == "heure d\u2019Europe centrale (Paris)"
    assert english.zone(ZoneInfo("UTC")) == "UTC"
    assert french.wait(timedelta(minutes=17)) == "17 minutes"
    assert english.wait(timedelta(hours=2)) == "2 hours"
    assert english.bcp47 == "en" and french.bcp47 == "fr"
