"""Bearer API keys on the Callback API, with a per-key request budget.

A key verified a moment ago is not read again (``apikeys.verified``), and its requests are
counted in memory and shared with the other nodes through the database about once a second
(``apikeys.budget``): a request of a known key within its budget costs no statement before the
request's own. A key with no hit left is refused before the request does any work; a request
that fails still counts. The compatibility surfaces (``ringback.compat``) admit their requests
through the same :func:`key_request`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ringback import ratelimit
from ringback.apikeys.budget import KEY_BUDGETS, Share
from ringback.apikeys.service import unauthorised, verify
from ringback.apikeys.verified import VerifiedKey
from ringback.callbacks.service import Caller
from ringback.runtime import Runtime, get_runtime

bearer = HTTPBearer(auto_error=False, description="An API key made with `ringback apikey create`.")


@dataclass(frozen=True)
class ApiRequest:
    """A Callback API request's unit of work, and the integration it acts for."""

    session: AsyncSession
    caller: Caller


def key_budget(key: VerifiedKey, runtime: Runtime) -> ratelimit.Budget:
    """The key's per-minute budget: its own, or the node's default."""
    return ratelimit.Budget(
        f"key:{key.id}",
        key.rate_limit_per_minute or runtime.settings.rate_limit_per_key_per_minute,
        timedelta(minutes=1),
        f"API key {key.name}",
    )


def spend(key: VerifiedKey, runtime: Runtime) -> Share | None:
    """Count one request of the key, or refuse it with 429; what it returns goes to
    :func:`share` once the request's own transaction is over."""
    return KEY_BUDGETS.spend(runtime.db.url, key_budget(key, runtime), now=runtime.clock.now())


async def share(share: Share | None, runtime: Runtime) -> None:
    """Add this node's recent requests to the shared count (about once a second per key)."""
    if share is not None:
        await KEY_BUDGETS.share(runtime.db, share)


@asynccontextmanager
async def key_request(
    runtime: Runtime, find_key: Callable[[AsyncSession], Awaitable[VerifiedKey]]
) -> AsyncIterator[ApiRequest]:
    """One request of the key ``find_key`` finds (or refuses): its budget spent (or 429), then
    its unit of work, committed when the block ends."""
    shared: Share | None = None
    try:
        async with runtime.db.transaction() as session:
            key = await find_key(session)
            # Nothing left: refused here, before the request does any work.
            shared = spend(key, runtime)
            caller = Caller(actor=f"api-key:{key.name}", api_key_id=key.id, services=key.services)
            yield ApiRequest(session, caller)
    finally:
        await share(shared, runtime)  # after this request's own commit


async def api_request(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AsyncIterator[ApiRequest]:
    """401 without a live key; 429 over the key's budget; commits before the response is sent."""
    if credentials is None:
        raise unauthorised("send an API key: Authorization: Bearer <key>")
    secret = credentials.credentials
    async with key_request(runtime, lambda session: verify(session, secret=secret)) as request:
        yield request


# scope="function": the unit of work commits before the response goes out.
ApiUnit = Annotated[ApiRequest, Depends(api_request, scope="function")]
