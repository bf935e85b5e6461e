"""The page's HTML: Jinja2 templates, written in the customer's language and time zone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ringback.callbacks.states import CallbackState, CallbackType
from ringback.customers.i18n import Language

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
DOMAIN = "page"
# The page loads nothing from elsewhere and runs no script; its forms post only to itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def N_(message: str) -> str:
    """Marks a message for the catalogues; it is translated where it is shown."""
    return message


STATE_WORDS = {
    CallbackState.SCHEDULED: N_("Booked: we will call you at the time below."),
    CallbackState.QUEUED: N_("Waiting: you are in the queue, and the next free agent calls you."),
    CallbackState.OFFERED: N_("An agent is about to call you."),
    CallbackState.ACCEPTED: N_("An agent is calling you now."),
    CallbackState.DIALING: N_("An agent is calling you now."),
    CallbackState.CONNECTED: N_("You are on the phone with an agent."),
    CallbackState.COMPLETED: N_("Done: we called you back."),
    CallbackState.CANCELLED: N_("Cancelled: we will not call you."),
    CallbackState.FAILED: N_("We could not reach you, and we will not try again."),
    CallbackState.EXPIRED: N_("Expired: we could not call you back in time."),
}
TYPE_WORDS = {
    CallbackType.IMMEDIATE: N_("A call as soon as an agent is free"),
    CallbackType.DELAYED: N_("A call later, at the time you chose"),
    CallbackType.SCHEDULED: N_("A call at a time you booked"),
}
DONE_WORDS = {
    "moved": N_("Your callback is moved. The new time is below."),
    "note": N_("Your note is sent. The agent will see it before calling you."),
    "cancelled": N_("Your callback is cancelled."),
}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, language: Language, **context: Any) -> str:
    """One page, its messages in ``language``."""
    return _environment.get_template(template).render(
        lang=language,
        _=language.gettext,
        gettext=language.gettext,
        ngettext=language.ngettext,
        **context,
    )


def last_digits(phone: str) -> str:
    """What the page shows of the number: its last digits only."""
    digits = [c for c in phone if c.isdigit()]
    return "".join(digits[-4:] if len(digits) >= 8 else digits[-2:])


def iso(moment: datetime) -> str:
    return moment.isoformat()
