"""OAuth client credentials and access tokens that stand for a Ringback API key (pure).

An API key ``rbk_<prefix>_<secret>`` is also an OAuth client: its client id is ``rbk_<prefix>``
and its client secret the rest, so either form reaches the same key, scope and budget.

An access token names the key's prefix and its expiry, signed with a key derived from the
stored hash of the API key's secret: the server needs no table of tokens, and revoking or
rotating the key ends its tokens at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from ringback.apikeys.service import KEY_PREFIX

TOKEN_PREFIX = "rbo"  # noqa: S105 (a marker, not a secret)
_CONTEXT = b"ringback oauth access token v1"


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str


def client_for_key(secret: str) -> OAuthClient:
    """The OAuth client id and secret that stand for an API key."""
    kind, prefix, rest = _key_parts(secret)
    return OAuthClient(f"{kind}_{prefix}", rest)


def key_for_client(client_id: str, client_secret: str) -> str | None:
    """The API key behind an OAuth client id and secret (or a whole key sent as the secret)."""
    if client_secret.startswith(f"{KEY_PREFIX}_"):
        whole = client_secret
        return whole if not client_id or client_for_key(whole).client_id == client_id else None
    parts = client_id.split("_")
    if len(parts) != 2 or parts[0] != KEY_PREFIX or not parts[1] or not client_secret:
        return None
    return f"{client_id}_{client_secret}"


@dataclass(frozen=True)
class TokenClaims:
    prefix: str  # the API key's public prefix
    expires_at: datetime


def issue_token(*, prefix: str, secret_hash: str, expires_at: datetime) -> str:
    """A bearer token for the key with ``prefix``, good until ``expires_at``."""
    expires = int(expires_at.timestamp())
    return f"{TOKEN_PREFIX}_{prefix}_{expires}_{_mac(prefix, expires, secret_hash)}"


def read_token(token: str) -> TokenClaims | None:
    """The claims of a token in the right shape (not yet checked against its key), or None."""
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX or not parts[2].isdigit():
        return None
    try:
        expires_at = datetime.fromtimestamp(int(parts[2]), UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return TokenClaims(parts[1], expires_at)


def token_is_genuine(token: str, *, secret_hash: str) -> bool:
    """Whether the token was signed for the key whose secret hashes to ``secret_hash``."""
    parts = token.split("_", 3)
    if len(parts) != 4:
        return False
    expected = _mac(parts[1], int(parts[2]), secret_hash)
    return hmac.compare_digest(expected.encode(), parts[3].encode())


def is_token(bearer: str) -> bool:
    return bearer.startswith(f"{TOKEN_PREFIX}_")


def _mac(prefix: str, expires: int, secret_hash: str) -> str:
    signing_key = hmac.new(secret_hash.encode(), _CONTEXT, hashlib.sha256).digest()
    digest = hmac.new(signing_key, f"{prefix}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _key_parts(secret: str) -> tuple[str, str, str]:
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise ValueError("not a Ringback API key")
    return parts[0], parts[1], parts[2]
