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
from typing import Annotated

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


async def api_request(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AsyncIterator[ApiRequest]:
    """401 without a live key; 429 over the key's budget; commits before the response is sent."""
    if credentials is None:
        raise unauthorised("send an API key: Authorization: Bearer <key>")
    uncounted: ratelimit.Budget | None = None
    try:
        async with runtime.db.transaction() as session:
            key = await authenticate(session, secret=credentials.credentials)
            budget = ratelimit.Budget(
                f"key:{key.id}",
                key.rate_limit_per_minute or runtime.settings.rate_limit_per_key_per_minute,
                timedelta(minutes=1),
                f"API key {key.name}",
            )
            # Nothing left: refused here, by a read, before the request does any work.
            await ratelimit.refuse_if_spent(session, budget, now=runtime.clock.now())
            caller = Caller(actor=f"api-key:{key.name}", api_key_id=key.id, services=scope_of(key))
            uncounted = budget
            yield ApiRequest(session, caller)
            uncounted = None
            await ratelimit.spend(session, budget, now=runtime.clock.now())
    finally:
        if uncounted is not None:  # the request failed and was rolled back
            async with runtime.db.transaction() as session:
                await ratelimit.spend(session, uncounted, now=runtime.clock.now())


# scope="function": the unit of work commits before the response goes out.
ApiUnit = Annotated[ApiRequest, Depends(api_request, scope="function")]
