"""The page's guard against forms posted from elsewhere: a signed, dated field in each form,
and the browser's word on where the post comes from. No cookie is needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

FORM_LIFETIME = timedelta(hours=2)
_PURPOSE = b"ringback customer form\x00"


def form_token(callback_id: uuid.UUID, key: bytes, now: datetime) -> str:
    """The hidden field of a form shown at ``now`` on the callback's page."""
    issued = int(now.timestamp())
    return f"{issued:x}.{_mac(callback_id, key, issued)}"


def form_token_valid(token: str, callback_id: uuid.UUID, key: bytes, now: datetime) -> bool:
    """True for a field this node's key signed for this callback in the last two hours."""
    issued_text, _, mac = token.partition(".")
    try:
        issued = int(issued_text, 16)
    except ValueError:
        return False
    age = now.timestamp() - issued
    if not 0 <= age <= FORM_LIFETIME.total_seconds():
        return False
    return hmac.compare_digest(mac, _mac(callback_id, key, issued))


def same_origin(headers: dict[str, str], origins: set[str]) -> bool:
    """False when the browser says the post comes from another site. ``Sec-Fetch-Site`` has the
    last word when sent; ``Origin`` is "null" under the page's no-referrer policy, so it counts
    only when it names an origin."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin", "null")
    return origin == "null" or origin.rstrip("/") in origins


def _mac(callback_id: uuid.UUID, key: bytes, issued: int) -> str:
    message = _PURPOSE + callback_id.bytes + issued.to_bytes(8, "big")
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
