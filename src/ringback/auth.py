"""Bearer API keys on the Callback API, with a per-key request budget."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ringback import ratelimit
from ringback.apikeys.service import authenticate, scope_of, unauthorised
from ringback.callbacks.service import Caller
from ringback.runtime import Runtime, get_runtime

bearer = HTTPBearer(auto_error=False, description="An API key made with `ringback apikey create`.")


async def api_caller(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The integration behind the request's API key; 401 without a live key, 429 over budget."""
    if credentials is None:
        raise unauthorised("send an API key: Authorization: Bearer <key>")
    async with runtime.db.transaction() as session:
        key = await authenticate(session, secret=credentials.credentials)
        await ratelimit.spend(
            session,
            bucket=f"key:{key.id}",
            limit=key.rate_limit_per_minute or runtime.settings.rate_limit_per_key_per_minute,
            window=timedelta(minutes=1),
            now=runtime.clock.now(),
            what=f"API key {key.name}",
        )
        return Caller(actor=f"api-key:{key.name}", api_key_id=key.id, services=scope_of(key))


ApiCaller = Annotated[Caller, Depends(api_caller)]
