"""What the compatibility surfaces share at the edge: who is calling, and refusals in the
vendor's shape.

A request authenticates with an API key as a bearer token, an access token from
``POST /oauth/token``, or HTTP Basic with the key's OAuth client id and secret. Either way it
is the same key, with the same scope and the same per-minute budget as on the Callback API,
counted the same way (see ``ringback.auth``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.http import HTTPBase
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException

from ringback import ratelimit
from ringback.apikeys.models import ApiKey
from ringback.apikeys.service import authenticate, scope_of
from ringback.auth import ApiRequest
from ringback.callbacks.service import Caller
from ringback.compat import credentials
from ringback.errors import RingbackError
from ringback.runtime import Runtime, get_runtime

# Both schemes read the same header; declared apart so /openapi.json names each way in.
bearer = HTTPBase(
    scheme="bearer",
    scheme_name="compat-bearer",
    description="An access token from POST /oauth/token, or an API key made with "
    "`ringback apikey create`.",
    auto_error=False,
)
basic = HTTPBase(
    scheme="basic",
    scheme_name="compat-basic",
    description="The OAuth client id and client secret `ringback apikey create` prints.",
    auto_error=False,
)

CHALLENGE = 'Bearer realm="ringback", Basic realm="ringback"'


def unauthorised(detail: str) -> RingbackError:
    return RingbackError(
        "unauthorized", detail, status=401, headers={"WWW-Authenticate": CHALLENGE}
    )


async def key_for(
    session: AsyncSession, sent: HTTPAuthorizationCredentials | None, *, runtime: Runtime
) -> ApiKey:
    """The live API key behind whichever credentials were sent, or 401."""
    try:
        return await _key_for(session, sent, runtime=runtime)
    except RingbackError as exc:
        if exc.status == 401:  # either way in works: say so, whichever was tried
            exc.headers["WWW-Authenticate"] = CHALLENGE
        raise


async def _key_for(
    session: AsyncSession, sent: HTTPAuthorizationCredentials | None, *, runtime: Runtime
) -> ApiKey:
    if sent is None:
        raise unauthorised(
            "send an access token or an API key (Authorization: Bearer ...) or the OAuth "
            "client id and secret (Authorization: Basic ...)"
        )
    scheme = sent.scheme.lower()
    if scheme == "bearer" and credentials.is_token(sent.credentials):
        return await key_for_token(session, sent.credentials, runtime=runtime)
    if scheme == "bearer":
        return await authenticate(session, secret=sent.credentials)
    if scheme == "basic":
        client_id, client_secret = basic_pair(sent.credentials)
        secret = credentials.key_for_client(client_id, client_secret)
        if secret is None:
            raise unauthorised("the client id and secret are not an API key's")
        return await authenticate(session, secret=secret)
    raise unauthorised(f"the {sent.scheme} scheme is not accepted here; use Bearer or Basic")


def basic_pair(encoded: str) -> tuple[str, str]:
    """The user and password of an HTTP Basic credential, or 401."""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorised(
            "the Basic credentials are not base64 of client_id:client_secret"
        ) from None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        raise unauthorised("the Basic credentials are not base64 of client_id:client_secret")
    return client_id, client_secret


async def key_for_token(session: AsyncSession, token: str, *, runtime: Runtime) -> ApiKey:
    claims = credentials.read_token(token)
    if claims is None:
        raise unauthorised("the access token is malformed")
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == claims.prefix))
    if key is None or not credentials.token_is_genuine(token, secret_hash=key.secret_hash):
        raise unauthorised("the access token is not one this server issued for a live key")
    if key.revoked_at is not None:
        raise unauthorised("the API key behind this access token was revoked")
    if claims.expires_at <= runtime.clock.now():
        raise unauthorised("the access token has expired; ask POST /oauth/token for a new one")
    return key


def key_budget(key: ApiKey, runtime: Runtime) -> ratelimit.Budget:
    return ratelimit.Budget(
        f"key:{key.id}",
        key.rate_limit_per_minute or runtime.settings.rate_limit_per_key_per_minute,
        timedelta(minutes=1),
        f"API key {key.name}",
    )


async def compat_request(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    client: Annotated[HTTPAuthorizationCredentials | None, Depends(basic)],
) -> AsyncIterator[ApiRequest]:
    """The unit of work of one request and the key it acts for; counted as on the Callback API."""
    uncounted: ratelimit.Budget | None = None
    try:
        async with runtime.db.transaction() as session:
            key = await key_for(session, token or client, runtime=runtime)
            budget = key_budget(key, runtime)
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
CompatUnit = Annotated[ApiRequest, Depends(compat_request, scope="function")]


Renderer = Callable[[RingbackError, Request], Response]


def vendor_route(render: Renderer) -> type[APIRoute]:
    """A route class whose refusals (its dependencies' too) are answered by ``render``."""

    class VendorRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    return await handle(request)
                except RingbackError as exc:
                    error = exc
                except RequestValidationError as exc:
                    error = validation_refusal(exc)
                except HTTPException as exc:
                    error = RingbackError("http-error", str(exc.detail), status=exc.status_code)
                runtime: Runtime | None = getattr(request.app.state, "runtime", None)
                if runtime is not None:
                    runtime.metrics.refusals.labels(code=error.code).inc()
                return render(error, request)

            return guarded

    return VendorRoute


def validation_refusal(exc: RequestValidationError) -> RingbackError:
    """The first field at fault, as the vendors' clients read it: a 400 naming the field."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    field = dotted(first.get("loc", ()))
    reason = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    kind = str(first.get("type", ""))
    return RingbackError(
        kind if "-" in kind else "invalid-request",
        f"{field}: {reason}" if field else reason,
        status=400,
        field=field or None,
    )


def dotted(location: Any) -> str:
    """A pydantic error location as a dotted field name, without where it was sent."""
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts)
