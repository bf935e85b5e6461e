"""``POST /oauth/token``: the OAuth 2.0 client credentials grant the vendors' SDKs start with.

The client is an API key (its client id and secret, or the whole key as the secret); the answer
is a short-lived access token for the same key, scope and budget.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from ringback.apikeys.budget import Share
from ringback.apikeys.service import authenticate, verified_key
from ringback.auth import share, spend
from ringback.compat import credentials
from ringback.compat.forms import FORM, fields
from ringback.compat.http import basic, basic_pair, vendor_route
from ringback.errors import RingbackError
from ringback.runtime import Runtime, get_runtime

TAG = "oauth"

# RFC 6749 section 5.2 error codes, by Ringback's refusal.
_OAUTH_ERRORS = {
    "unauthorized": "invalid_client",
    "unsupported-grant-type": "unsupported_grant_type",
    "rate-limited": "temporarily_unavailable",
}


class TokenRead(BaseModel):
    access_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds the token stays good.")


class OAuthError(BaseModel):
    error: str = Field(examples=["invalid_client"], description="RFC 6749 section 5.2")
    error_description: str
    code: str = Field(description="Ringback's stable code, as in its problem details.")


def _render(error: RingbackError, request: Request) -> JSONResponse:
    headers = dict(error.headers)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="ringback"'
    body = OAuthError(
        error=_OAUTH_ERRORS.get(error.code, "invalid_request"),
        error_description=error.detail,
        code=error.code,
    )
    return JSONResponse(body.model_dump(), status_code=error.status, headers=headers)


router = APIRouter(tags=[TAG], route_class=vendor_route(_render))

_TOKEN_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string", "description": "Instead of HTTP Basic."},
        "client_secret": {"type": "string", "description": "Instead of HTTP Basic."},
    },
}


@router.post(
    "/oauth/token",
    response_model=TokenRead,
    responses={
        400: {"model": OAuthError, "description": "Bad Request"},
        401: {"model": OAuthError, "description": "Unauthorized"},
        429: {"model": OAuthError, "description": "Too Many Requests"},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {FORM: {"schema": _TOKEN_FORM}}},
    },
)
async def token(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    client: Annotated[HTTPAuthorizationCredentials | None, Depends(basic)],
) -> TokenRead:
    """An access token for an API key's OAuth client (grant ``client_credentials``)."""
    form = await fields(request)
    grant = form.get("grant_type")
    if grant != "client_credentials":
        raise RingbackError(
            "unsupported-grant-type",
            f"grant_type must be client_credentials, not {grant!r}",
            status=400,
            field="grant_type",
        )
    if client is not None and client.scheme.lower() == "basic":
        client_id, client_secret = basic_pair(client.credentials)
    else:
        client_id, client_secret = (
            str(form.get("client_id", "")),
            str(form.get("client_secret", "")),
        )
    secret = credentials.key_for_client(client_id, client_secret)
    if secret is None:
        raise RingbackError(
            "unauthorized",
            "send the OAuth client id and secret of an API key (HTTP Basic)",
            status=401,
        )
    lifetime = timedelta(seconds=runtime.settings.oauth_token_seconds)
    shared: Share | None = None
    try:
        async with runtime.db.transaction() as session:
            key = await authenticate(session, secret=secret)
            # A token costs one request of the key's budget, like any request it then makes.
            shared = spend(verified_key(key), runtime)
            issued = credentials.issue_token(
                prefix=key.prefix,
                secret_hash=key.secret_hash,
                expires_at=runtime.clock.now() + lifetime,
            )
    finally:
        await share(shared, runtime)
    return TokenRead(
        access_token=issued,
        token_type="bearer",  # noqa: S106 (the kind of token, not a secret)
        expires_in=int(lifetime.total_seconds()),
    )
