"""Creating, checking and revoking API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.apikeys.models import ApiKey
from ringback.apikeys.verified import VerifiedKey, VerifiedKeys
from ringback.config import repository as config_repository
from ringback.errors import RingbackError, conflict, invalid, not_found

KEY_PREFIX = "rbk"
ALL_SERVICES = "*"
# Every key this process verified a moment ago (see verified.py), for every database it serves.
VERIFIED = VerifiedKeys()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once; only its hash is stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    services: Sequence[str],
    now: datetime,
    rate_limit_per_minute: int | None = None,
) -> IssuedKey:
    """A new key for an integration, limited to ``services`` (``*`` for every service)."""
    name = name.strip()
    if not name:
        raise invalid("invalid-name", "an API key needs a name", field="name")
    wanted = sorted({s.strip() for s in services if s.strip()})
    if not wanted:
        raise invalid("invalid-scope", "name at least one service, or * for all", field="services")
    if ALL_SERVICES not in wanted:
        known = {s.name for s in await config_repository.active_services(session)}
        unknown = [s for s in wanted if s not in known]
        if unknown:
            raise invalid(
                "unknown-service", f"no such service: {', '.join(unknown)}", field="services"
            )
    if await session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise conflict("api-key-exists", f"an API key named {name!r} exists already")
    prefix, secret = _new_secret()
    key = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        scope={"services": [ALL_SERVICES] if ALL_SERVICES in wanted else wanted},
        rate_limit_per_minute=rate_limit_per_minute,
        created_at=now,
    )
    session.add(key)
    await session.flush()
    return IssuedKey(key, secret)


async def authenticate(session: AsyncSession, *, secret: str) -> ApiKey:
    """The live key behind a bearer secret, or 401."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise unauthorised("the API key is malformed")
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise unauthorised("the API key is not known")
    if key.revoked_at is not None:
        raise unauthorised("the API key was revoked")
    return key


async def verify(session: AsyncSession, *, secret: str) -> VerifiedKey:
    """The live key behind a bearer secret as plain values, or 401; verified at most
    ``KEY_CACHE_SECONDS`` ago, so most requests read nothing for it."""
    return await verified(session, secret, lambda: authenticate(session, secret=secret))


async def verified(
    session: AsyncSession, credential: str, check: Callable[[], Awaitable[ApiKey]]
) -> VerifiedKey:
    """The key ``check`` finds behind ``credential`` (or its 401), unless this exact credential
    was checked less than ``KEY_CACHE_SECONDS`` ago (see verified.py)."""
    database = _database(session)
    digest = _hash(credential)
    found = VERIFIED.get(database, digest)
    if found is not None:
        return found
    key = verified_key(await check())
    VERIFIED.put(database, digest, key)
    return key


def verified_key(key: ApiKey) -> VerifiedKey:
    return VerifiedKey(key.id, key.name, scope_of(key), key.rate_limit_per_minute)


def _database(session: AsyncSession) -> str:
    return str(session.get_bind().engine.url)


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.name))).all()


async def revoke_key(session: AsyncSession, *, name: str, now: datetime) -> ApiKey:
    key = await session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise not_found("api-key-not-found", f"there is no API key named {name!r}")
    if key.revoked_at is None:
        key.revoked_at = now
    VERIFIED.forget_key(_database(session), key.id)
    return key


def scope_of(key: ApiKey) -> frozenset[str] | None:
    services = key.scope.get("services", [])
    return None if ALL_SERVICES in services else frozenset(services)


def unauthorised(detail: str) -> RingbackError:
    return RingbackError(
        "unauthorized", detail, status=401, headers={"WWW-Authenticate": 'Bearer realm="ringback"'}
    )


async def rotate_or_create_key(
    session: AsyncSession, *, name: str, services: Sequence[str], now: datetime
) -> IssuedKey:
    """A fresh secret for the key ``name`` (made if missing); the old secret stops working."""
    key = await session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        return await create_key(session, name=name, services=services, now=now)
    prefix, secret = _new_secret()
    key.prefix, key.secret_hash, key.revoked_at = prefix, _hash(secret), None
    VERIFIED.forget_key(_database(session), key.id)
    return IssuedKey(key, secret)


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
