"""Customer numbers: national formats read in the service's region, E.164 out, bad ones refused."""

from __future__ import annotations

import pytest

from ringback.callbacks.phones import normalise_phone, phone_time_zone
from ringback.errors import RingbackError


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(212) 555-0100", "US", "+12125550100"),
        ("212.555.0100", "US", "+12125550100"),
        ("1-212-555-0100", "US", "+12125550100"),
        ("+1 212-555-0100", "FR", "+12125550100"),  # international: the region does not matter
        ("01 42 68 53 00", "FR", "+33142685300"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("0033 1 42 68 53 00", "FR", "+33142685300"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("+44 20 7946 0018", "US", "+442079460018"),
        ("+33142685300", "ZZ", "+33142685300"),
        ("1-800-FLOWERS", "US", "+18003569377"),  # toll-free numbers are called back
        ("tel:+1-212-555-0100", "US", "+12125550100"),
    ],
)
def test_gives_the_e164_form(raw: str, region: str, e164: str) -> None:
    assert normalise_phone(raw, region) == e164


def test_the_same_digits_mean_different_numbers_in_different_regions() -> None:
    assert normalise_phone("0142685300", "FR") == "+33142685300"
    with pytest.raises(RingbackError):
        normalise_phone("0142685300", "US")


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", "US", "is not a phone number"),
        ("call me", "US", "is not a phone number"),
        ("+999 1234", "US", "is not a phone number"),
        ("0142685300", "ZZ", "is not a phone number"),  # national without a region
        ("123", "US", "wrong length"),
        ("+1 212 555 01000", "US", "wrong length"),
        ("+1 099 555 0100", "US", "not a number in service"),  # no US area code starts with 0
        ("+1 212 155 0100", "US", "not a number in service"),  # no exchange starts with 1
    ],
)
def test_refuses_what_cannot_be_called(raw: str, region: str, reason: str) -> None:
    with pytest.raises(RingbackError) as excinfo:
        normalise_phone(raw, region)
    refused = excinfo.value
    assert (refused.code, refused.field, refused.status) == ("invalid-phone", "phone", 422)
    assert reason in refused.detail
    assert repr(raw) in refused.detail


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("1-900-555-0100", "US"),
        ("+1 900 555 0100", "FR"),
        ("08 99 12 34 56", "FR"),
        ("+33 8 99 12 34 56", "US"),
        ("09065 123456", "GB"),
    ],
)
def test_refuses_premium_rate_numbers(raw: str, region: str) -> None:
    with pytest.raises(RingbackError) as excinfo:
        normalise_phone(raw, region)
    refused = excinfo.value
    assert (refused.code, refused.field, refused.status) == ("premium-rate-phone", "phone", 422)


def test_the_refusal_names_the_field_it_was_given() -> None:
    with pytest.raises(RingbackError) as excinfo:
        normalise_phone("123", "US", field="callback.phone")
    assert excinfo.value.field == "callback.phone"


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+33142685300", "Europe/Paris"),
        ("+442079460018", "Europe/London"),
        ("+12125550100", "America/New_York"),
        ("+18003569377", None),  # toll-free: the whole of North America
    ],
)
def test_the_time_zone_of_a_number_when_its_plan_pins_one(e164: str, zone: str | None) -> None:
    assert phone_time_zone(e164) == zone
