"""Folding names for search, splitting a typed name, checking addresses: pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringback.contacts.normalise import email_key, fold, normalise_email, split_name
from ringback.errors import RingbackError


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  Hélène   DUPONT ", "helene dupont"),
        ("Zoë O'Brien", "zoe o'brien"),
        ("Straße", "strasse"),
        ("\uff21\uff4e\uff4e\uff41", "anna"),  # full-width letters, as a Japanese keyboard types
        ("\U0001d400\U0001d427\U0001d427\U0001d41a", "anna"),  # mathematical bold letters
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(st.text())
def test_folding_is_stable(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert fold(text.upper()) == fold(text.lower()) or not text.isascii()


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Jean-Pierre de la Fontaine", ("Jean-Pierre", "de la Fontaine")),
        ("  Dana   Reyes ", ("Dana", "Reyes")),
        ("Madonna", ("Madonna", "")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_split_name(name: str | None, parts: tuple[str, str]) -> None:
    assert split_name(name) == parts


def test_addresses_keep_their_local_part_and_lower_their_domain() -> None:
    assert normalise_email(" Dana.Reyes@Example.COM ") == "Dana.Reyes@example.com"
    assert email_key("Dana.Reyes@example.com") == "dana.reyes@example.com"


@pytest.mark.parametrize("address", ["dana@", "@example.com", "dana reyes@example.com", "x@y"])
def test_malformed_addresses_are_refused(address: str) -> None:
    with pytest.raises(RingbackError) as refused:
        normalise_email(address, field="emails[0].address")
    assert refused.value.code == "invalid-email"
    assert refused.value.field == "emails[0].address" and refused.value.status == 422
