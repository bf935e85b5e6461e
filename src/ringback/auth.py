"""Bearer API keys on the Callback API, with a per-key request budget.

A request and its key's budget are one unit of work: the key is checked at the start (a key
with no hit left is refused there, by a read), the request runs, and the budget is counted at
the end, just before the commit, so that the key's counter row is locked only for the commit
(every request of a key counts on that one row). A request that fails still counts, in a
transaction of its own after its rollback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ringback import ratelimit
from ringback.apikeys.service import authenticate, scope_of, unauthorised
from ringback.callbacks.service import Caller
from ringback.runtime import Runtime, get_runtime

bearer = HTTPBearer(auto_error=False, description="An API key made with `ringback apikey create`.")


@dataclass(frozen=True)
class ApiRequest:
    """A Callback API request's unit of work, and the integration it acts for."""

    session: AsyncSession
    caller: Caller


@dataclass(frozen=True)
class _Budget:
    key_id: int
    name: str
    limit: int

    async def check(self, runtime: Runtime, session: AsyncSession) -> None:
        """Refuse a key with nothing left before its request does any work (no lock taken)."""
        await ratelimit.refuse_if_spent(session, now=runtime.clock.now(), **self._bucket())

    async def spend(self, runtime: Runtime, session: AsyncSession) -> None:
        await ratelimit.spend(session, now=runtime.clock.now(), **self._bucket())

    def _bucket(self) -> dict[str, Any]:
        return {
            "bucket": f"key:{self.key_id}",
            "limit": self.limit,
            "window": timedelta(minutes=1),
            "what": f"API key {self.name}",
        }


async def api_request(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AsyncIterator[ApiRequest]:
    """401 without a live key; 429 over the key's budget; commits before the response is sent."""
    if credentials is None:
        raise unauthorised("send an API key: Authorization: Bearer <key>")
    uncounted: _Budget | None = None
    try:
        async with runtime.db.transaction() as session:
            key = await authenticate(session, secret=credentials.credentials)
            limit = key.rate_limit_per_minute or runtime.settings.rate_limit_per_key_per_minute
            budget = _Budget(key.id, key.name, limit)
            await budget.check(runtime, session)
            caller = Caller(actor=f"api-key:{key.name}", api_key_id=key.id, services=scope_of(key))
            uncounted = budget
            yield ApiRequest(session, caller)
            uncounted = None
            await budget.spend(runtime, session)
    finally:
        if uncounted is not None:  # the request failed and was rolled back
            async with runtime.db.transaction() as session:
                await uncounted.spend(runtime, session)


# scope="function": the unit of work commits before the response goes out.
ApiUnit = Annotated[ApiRequest, Depends(api_request, scope="function")]
