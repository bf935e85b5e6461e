"""Every message of the page is in each catalogue, translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from ringback.customers import i18n

PACKAGE = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def page_messages() -> list[str | tuple[str, ...]]:
    """The messages the page's templates and modules mark for translation."""
    found: list[str | tuple[str, ...]] = []
    for template in sorted((PACKAGE / "templates").glob("*.html")):
        found += [
            message
            for _, message, _, _ in extract_from_file(
                "jinja2.ext:babel_extract", template, keywords=KEYWORDS, options=JINJA
            )
        ]
    for module in ("rendering.py", "api.py"):
        found += [
            message
            for _, message, _, _ in extract_from_file("python", PACKAGE / module, keywords=KEYWORDS)
        ]
    return found


def catalogue(language: str) -> Catalog:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "page.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_page_marks_its_messages() -> None:
    messages = page_messages()
    assert "Your callback" in messages and "Please choose a time." in messages
    assert ("%(count)s person", "%(count)s people") in messages


@pytest.mark.parametrize("language", [lang for lang in i18n.available("page") if lang != "en"])
def test_each_language_translates_every_message_with_its_placeholders(language: str) -> None:
    translated = catalogue(language)
    for message in page_messages():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = translated.get(msgid)
        assert entry is not None, f"{language}: no {msgid!r}"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"{language}: {msgid!r} is not translated"
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(msgid)), string


def test_the_english_catalogue_is_the_template_of_every_message() -> None:
    template = catalogue("en")
    ids = {m[0] if isinstance(m, tuple) else m for m in page_messages()}
    assert ids == {
        entry.id[0] if isinstance(entry.id, tuple) else entry.id for entry in template if entry.id
    }
