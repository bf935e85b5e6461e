"""What the compatibility surfaces share at the edge: who is calling, and refusals in the
vendor's shape.

A request authenticates with an API key as a bearer token, an access token from
``POST /oauth/token``, or HTTP Basic with the key's OAuth client id and secret. Either way it
is the same key, with the same scope and the same per-minute budget as on the Callback API,
checked and counted by the same functions (``ringback.auth.key_request``): a credential
checked a moment ago is not checked again, and the budget is counted in memory and shared
through the database about once a second.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.http import HTTPBase
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException

from ringback.apikeys.models import ApiKey
from ringback.apikeys.service import verified, verify
from ringback.apikeys.verified import VerifiedKey
from ringback.auth import ApiRequest, key_request
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
) -> VerifiedKey:
    """The live API key behind whichever credentials were sent, or 401."""
    try:
        return await _key_for(session, sent, runtime=runtime)
    except RingbackError as exc:
        if exc.status == 401:  # either way in works: say so, whichever was tried
            exc.headers["WWW-Authenticate"] = CHALLENGE
        raise


async def _key_for(
    session: AsyncSession, sent: HTTPAuthorizationCredentials | None, *, runtime: Runtime
) -> VerifiedKey:
    if sent is None:
        raise unauthorised(
            "send an access token or an API key (Authorization: Bearer ...) or the OAuth "
            "client id and secret (Authorization: Basic ...)"
        )
    scheme = sent.scheme.lower()
    if scheme == "bearer" and credentials.is_token(sent.credentials):
        return await verify_token(session, sent.credentials, runtime=runtime)
    if scheme == "bearer":
        return await verify(session, secret=sent.credentials)
    if scheme == "basic":
        client_id, client_secret = basic_pair(sent.credentials)
        secret = credentials.key_for_client(client_id, client_secret)
        if secret is None:
            raise unauthorised("the client id and secret are not an API key's")
        return await verify(session, secret=secret)
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


async def verify_token(session: AsyncSession, token: str, *, runtime: Runtime) -> VerifiedKey:
    """The live key behind an access token, or 401. Its expiry is checked every time; the
    rest at most ``KEY_CACHE_SECONDS`` ago, as for a key (``apikeys.service.verified``)."""
    claims = credentials.read_token(token)
    if claims is None:
        raise unauthorised("the access token is malformed")
    key = await verified(session, token, lambda: _key_for_token(session, token, claims.prefix))
    if claims.expires_at <= runtime.clock.now():
        raise unauthorised("the access token has expired; ask POST /oauth/token for a new one")
    return key


async def _key_for_token(session: AsyncSession, token: str, prefix: str) -> ApiKey:
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not credentials.token_is_genuine(token, secret_hash=key.secret_hash):
        raise unauthorised("the access token is not one this server issued for a live key")
    if key.revoked_at is not None:
        raise unauthorised("the API key behind this access token was revoked")
    return key


async def compat_request(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    client: Annotated[HTTPAuthorizationCredentials | None, Depends(basic)],
) -> AsyncIterator[ApiRequest]:
    """The unit of work of one request and the key it acts for; checked and counted as on the
    Callback API, by the same functions."""
    sent = token or client

    async def find_key(session: AsyncSession) -> VerifiedKey:
        return await key_for(session, sent, runtime=runtime)

    async with key_request(runtime, find_key) as request:
        yield request


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
