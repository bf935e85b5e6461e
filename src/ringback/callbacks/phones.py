"""Customer phone numbers: parsed with the service's region, refused when not callable."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from phonenumbers import timezone as number_zones

from ringback.errors import invalid


def normalise_phone(raw: str, region: str, *, field: str = "phone") -> str:
    """The E.164 form of ``raw``; national formats are read in ``region``."""
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise invalid(
            "invalid-phone", f"{raw!r} is not a phone number: {exc._msg}", field=field
        ) from None
    if number.extension:
        # A switch dials numbers, not extensions: dropping it would call the wrong person.
        raise invalid(
            "phone-extension",
            f"{raw!r} has an extension ({number.extension}); send the number without it "
            "(Ringback dials numbers, not extensions)",
            field=field,
        )
    if not phonenumbers.is_possible_number(number):
        raise invalid("invalid-phone", f"{raw!r} has the wrong length for its country", field=field)
    if not phonenumbers.is_valid_number(number):
        raise invalid("invalid-phone", f"{raw!r} is not a number in service", field=field)
    if phonenumbers.number_type(number) == PhoneNumberType.PREMIUM_RATE:
        raise invalid(
            "premium-rate-phone", f"{raw!r} is a premium-rate number; it is not called", field=field
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_time_zone(e164: str) -> str | None:
    """The number's IANA time zone when the numbering plan pins it to exactly one."""
    zones = number_zones.time_zones_for_number(phonenumbers.parse(e164))
    if len(zones) == 1 and zones[0] != number_zones.UNKNOWN_TIMEZONE:
        return str(zones[0])
    return None
