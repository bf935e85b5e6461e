"""How names and e-mail addresses are stored and matched; pure functions."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from ringback.errors import invalid


def fold(text: str) -> str:
    """Lower-case without accents, spaces collapsed: ``"  Hélène  DUPONT"`` -> ``"helene dupont"``.

    Search keys are folded in Python rather than with SQL ``lower()``, which on SQLite only knows
    ASCII; folding both the stored key and the query makes matching identical on both databases.
    """
    # Unicode's compatibility caseless match (D146): a compatibility form may fold further
    # (U+1D400, a bold "A", decomposes to "A"), so fold and decompose twice.
    nfd = unicodedata.normalize("NFD", text)
    decomposed = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFKD", nfd.casefold()).casefold()
    )
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def split_name(name: str | None) -> tuple[str, str]:
    """First and last name from one free-text name: the first word, then the rest.

    ``"Jean-Pierre de la Fontaine"`` gives ``("Jean-Pierre", "de la Fontaine")``; a single word
    is taken as the first name, which is what callers most often type into a web form.
    """
    words = (name or "").split()
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])


def normalise_email(raw: str, *, field: str = "email") -> str:
    """The address with its domain normalised; refused with ``invalid-email`` when malformed.

    Deliverability is not checked: that needs DNS, and the relay reports it when sending.
    """
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise invalid(
            "invalid-email", f"{raw!r} is not an e-mail address: {exc}", field=field
        ) from None
    return str(checked.normalized)


def email_key(address: str) -> str:
    """The form addresses are compared and searched in (case does not matter in practice)."""
    return address.casefold()
