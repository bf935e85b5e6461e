"""The page's forms: a signed, dated field, and where the browser says a post comes from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ringback.customers.forms import form_token, form_token_valid, same_origin

KEY = b"k" * 32
CALLBACK = uuid.UUID("5f0c6f4e-2b1d-4c55-9a3e-0d7f2c9e8a11")
T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def test_a_form_field_works_for_its_callback_for_two_hours() -> None:
    field = form_token(CALLBACK, KEY, T0)
    assert form_token_valid(field, CALLBACK, KEY, T0 + timedelta(hours=2))
    assert not form_token_valid(field, CALLBACK, KEY, T0 + timedelta(hours=2, seconds=1))
    assert not form_token_valid(field, CALLBACK, KEY, T0 - timedelta(seconds=1))
    assert not form_token_valid(field, uuid.uuid4(), KEY, T0)
    assert not form_token_valid(field, CALLBACK, b"x" * 32, T0)


@pytest.mark.parametrize("field", ["", "zz", "1.", ".abc", "ffffffff.abc", "x.y.z"])
def test_malformed_form_fields_are_refused(field: str) -> None:
    assert not form_token_valid(field, CALLBACK, KEY, T0)


OWN = {"https://callbacks.bank.example"}


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"sec-fetch-site": "same-origin", "origin": "null"}, True),
        ({"sec-fetch-site": "cross-site", "origin": "https://callbacks.bank.example"}, False),
        ({"sec-fetch-site": "same-site"}, False),
        ({"origin": "https://callbacks.bank.example"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "null"}, True),  # no-referrer: the signed field decides
        ({}, True),
    ],
)
def test_where_a_post_comes_from(headers: dict[str, str], allowed: bool) -> None:
    assert same_origin(headers, OWN) is allowed
