"""What the customer's automatic e-mails say, in their language (pure: no I/O, no clock).

The texts are gettext messages of the ``emails`` domain (customers/locale/<lang>/LC_MESSAGES/
emails.po); times are written in the customer's zone, which is named beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name

from ringback.customers.i18n import Language, language_for
from ringback.email.models import EmailKind

DOMAIN = "emails"


@dataclass(frozen=True)
class Facts:
    """What a letter is about."""

    kind: EmailKind
    service: str  # the service's display name
    customer_name: str | None
    phone: str
    at: datetime  # the callback's time (as asked, or as moved)
    zone: ZoneInfo  # the customer's
    manage_url: str | None  # the customer's page; none: no link


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    summary: str  # the calendar event's title
    description: str  # the calendar event's text
    language: str  # BCP 47, for Content-Language


def language(tag: str | None) -> Language:
    """The language to write to a customer who asked for ``tag`` (English by default)."""
    return language_for(tag, domain=DOMAIN)


def when(lang: Language, at: datetime, zone: ZoneInfo) -> str:
    """ "Sunday, March 29, 2026, 10:00 AM (Central European Summer Time, Europe/Paris)"."""
    local = at.astimezone(zone)
    name = get_timezone_name(local, locale=lang.locale)
    return f"{lang.moment(at, zone)} ({name}, {zone.key})"


def write(facts: Facts, lang: Language) -> Letter:
    """The subject, body and calendar texts of one e-mail."""
    _ = lang.gettext
    values = {
        "service": facts.service,
        "when": when(lang, facts.at, facts.zone),
        "phone": facts.phone,
    }
    greeting = (
        _("Hello {name},").format(name=facts.customer_name) if facts.customer_name else _("Hello,")
    )
    subject, lines = _texts(facts.kind, lang)
    paragraphs = [greeting, *(line.format(**values) for line in lines)]
    if facts.manage_url and facts.kind not in (EmailKind.CANCELLATION, EmailKind.EXPIRY):
        paragraphs.append(_("To move or cancel this call: {url}").format(url=facts.manage_url))
    paragraphs.append(facts.service)
    summary = _("Call from {service}").format(**values)
    description = _("{service} calls you on {phone}.").format(**values)
    if facts.manage_url:
        description += "\n" + _("To move or cancel this call: {url}").format(url=facts.manage_url)
    return Letter(
        subject=subject.format(**values),
        body="\n\n".join(paragraphs) + "\n",
        summary=summary,
        description=description,
        language=lang.bcp47,
    )


def _texts(kind: EmailKind, lang: Language) -> tuple[str, list[str]]:
    """A kind's subject and paragraphs, translated, with {service}, {when}, {phone} left."""
    _ = lang.gettext
    match kind:
        case EmailKind.CONFIRMATION:
            return _("Your call from {service}: {when}"), [
                _("{service} will call you on {phone} on {when}."),
                _("The invitation attached adds the call to your calendar."),
            ]
        case EmailKind.UPDATE:
            return _("Your call from {service} has moved: {when}"), [
                _("Your call from {service} has moved. We will call you on {phone} on {when}."),
                _("The invitation attached updates your calendar."),
            ]
        case EmailKind.CANCELLATION:
            return _("Your call from {service} is cancelled"), [
                _("The call from {service} on {when} is cancelled. We will not call you then."),
                _("The message attached removes it from your calendar."),
            ]
        case EmailKind.REMINDER:
            return _("Reminder: your call from {service}, {when}"), [
                _("A reminder: {service} will call you on {phone} on {when}."),
            ]
        case EmailKind.EXPIRY:
            return _("We could not call you back"), [
                _(
                    "We are sorry: {service} could not call you back on {phone} in time for "
                    "your request for {when}."
                ),
                _("If you still need us, please ask for a new call."),
            ]
    raise ValueError(f"no letter for {kind}")
