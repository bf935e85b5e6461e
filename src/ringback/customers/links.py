"""The customer's private link to their callback's page: a signed token, and its URL.

Public interface (the customer's e-mails use it too)::

    key = await link_key(db, settings)                      # bytes; shared by every node
    url = manage_url(base_url, callback_id, key)            # str: {base_url}/c/{token}
    callback_id = verified_callback_id(token, key)          # uuid.UUID | None
    link_alive(callback, now=now, days=settings.customer_link_days)  # bool

``base_url`` is ``settings.public_url`` when set (see :func:`base_url`). A token is the
callback's id and an HMAC-SHA256 of it (128 bits kept), base64url without padding: it cannot be
guessed or altered, and is checked in constant time. It carries no date: it stops working
``customer_link_days`` after its callback reached a final state (that state's ``updated_at``).

The key is derived from ``RINGBACK_SECRET_KEY`` when set; otherwise a random key is made at
first use, stored in the database (``signing_keys``) for every node, and read once per process.
Neither is ever logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from ringback.callbacks.models import Callback
from ringback.callbacks.states import TERMINAL_STATES
from ringback.clock import SystemClock
from ringback.customers import repository
from ringback.db import Database
from ringback.settings import Settings

KEY_NAME = "customer-link"
PATH = "/c/"
_MAC_BYTES = 16
_PURPOSE = b"ringback customer link\x00"


def sign(callback_id: uuid.UUID, key: bytes) -> str:
    """The token of one callback's link."""
    return _encode(callback_id.bytes + _mac(callback_id, key))


def verified_callback_id(token: str, key: bytes) -> uuid.UUID | None:
    """The callback a token names, or None when it is malformed or not signed with ``key``."""
    if len(token) != 43:  # 32 bytes in base64url without padding
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        return None
    # One spelling per token: base64 ignores a last character's low bits.
    if len(raw) != 16 + _MAC_BYTES or _encode(raw) != token:
        return None
    callback_id = uuid.UUID(bytes=raw[:16])
    if not hmac.compare_digest(raw[16:], _mac(callback_id, key)):
        return None
    return callback_id


def manage_url(base_url: str, callback_id: uuid.UUID, key: bytes) -> str:
    """The absolute URL of the callback's page under ``base_url`` (scheme://host[/path])."""
    return f"{base_url.rstrip('/')}{PATH}{sign(callback_id, key)}"


def link_alive(callback: Callback, *, now: datetime, days: int) -> bool:
    """A link works while its callback is active, and ``days`` after it ended."""
    if callback.state not in TERMINAL_STATES:
        return True
    return now < callback.updated_at + timedelta(days=days)


def base_url(settings: Settings, request_base_url: str) -> str:
    """Where links point: the configured public URL, or the address the request came to."""
    return settings.public_url or request_base_url.rstrip("/")


@dataclass(frozen=True)
class CustomerLinks:
    """The links of one answer: its base URL and the node's key."""

    base_url: str
    key: bytes

    def url(self, callback_id: uuid.UUID) -> str:
        return manage_url(self.base_url, callback_id, self.key)


class LinkKeys:
    """The link key of each database, read (or made) once per process."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}

    async def get(self, db: Database, settings: Settings) -> bytes:
        if settings.secret_key is not None:
            secret = settings.secret_key.get_secret_value().encode()
            return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
        key = self._keys.get(db.url)
        if key is None:
            key = await _stored_key(db)
            self._keys[db.url] = key
        return key


LINK_KEYS = LinkKeys()


async def link_key(db: Database, settings: Settings) -> bytes:
    """The key that signs and checks customers' links, the same on every node."""
    return await LINK_KEYS.get(db, settings)


async def _stored_key(db: Database) -> bytes:
    # In a transaction of its own: a key is kept only once it is committed for every node.
    async with db.transaction() as session:
        stored = await repository.signing_key(session, KEY_NAME)
        if stored is None:
            made = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            await repository.add_signing_key(
                session, name=KEY_NAME, secret=made, now=SystemClock().now()
            )
            stored = await repository.signing_key(session, KEY_NAME)
            assert stored is not None
    return base64.urlsafe_b64decode(stored)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(callback_id: uuid.UUID, key: bytes) -> bytes:
    return hmac.new(key, _PURPOSE + callback_id.bytes, hashlib.sha256).digest()[:_MAC_BYTES]
