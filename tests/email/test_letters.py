"""The customer's e-mails' texts and their catalogues (pure: no database, no server)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import ringback.email.letters
from ringback.customers.i18n import LOCALE_DIR
from ringback.email.letters import Facts, language, write
from ringback.email.models import EmailKind

AUTOMATIC = [kind for kind in EmailKind if kind is not EmailKind.AGENT]


def messages_in_source() -> set[str]:
    source = Path(ringback.email.letters.__file__)
    return {message for _, message, _, _ in extract_from_file("python", source)}


@pytest.mark.parametrize("tag", ["en", "fr"])
def test_every_message_is_in_the_catalogue(tag: str) -> None:
    with (LOCALE_DIR / tag / "LC_MESSAGES" / "emails.po").open("rb") as po:
        catalogue = read_po(po, locale=tag)
    written = {message.id for message in catalogue if message.id}
    assert written == messages_in_source()
    if tag != "en":
        assert all(message.string for message in catalogue if message.id)


def facts(kind: EmailKind, **overrides: object) -> Facts:
    values: dict[str, object] = {
        "kind": kind,
        "service": "Card services",
        "customer_name": None,
        "phone": "+33612345678",
        "at": datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        "zone": ZoneInfo("Europe/Paris"),
        "manage_url": "https://callbacks.bank.example/c/token",
    }
    return Facts(**(values | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", AUTOMATIC)
@pytest.mark.parametrize("tag", ["en", "fr"])
def test_every_letter_is_filled_in(kind: EmailKind, tag: str) -> None:
    letter = write(facts(kind), language(tag))
    for text in (letter.subject, letter.body, letter.summary, letter.description):
        assert "{" not in text and "}" not in text
    assert letter.language == tag
    # Only a callback still to come can be moved or cancelled from its page.
    ended = kind in (EmailKind.CANCELLATION, EmailKind.EXPIRY)
    assert ("https://callbacks.bank.example/c/token" in letter.body) is not ended


def test_the_day_the_clocks_go_back_names_winter_time() -> None:
    """2026-10-25 09:00 UTC is 10:00 in Paris: summer time ended at 03:00 that night."""
    letter = write(facts(EmailKind.REMINDER), language("en"))
    assert "10:00\u202fAM (Central European Standard Time, Europe/Paris)" in letter.subject


def test_a_language_not_spoken_falls_back_to_english() -> None:
    letter = write(facts(EmailKind.CONFIRMATION, customer_name="Jo"), language("de-AT"))
    assert letter.body.startswith("Hello Jo,\n\nCard services will call you on +33612345678")
    assert letter.language == "en"


def test_without_a_page_there_is_no_link() -> None:
    letter = write(facts(EmailKind.CONFIRMATION, manage_url=None), language("fr"))
    assert "Pour déplacer" not in letter.body and "Pour déplacer" not in letter.description
