"""Workspace sessions: a bearer token, or the session cookie plus a CSRF header for browsers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from ringback.agents.models import Agent, AgentSession
from ringback.agents.service import authenticate
from ringback.errors import RingbackError
from ringback.runtime import Runtime, get_runtime

SESSION_COOKIE = "ringback_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

session_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="workspace-token",
    description="Token from POST /api/v1/workspace/session",
)
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="workspace-cookie")


@dataclass(frozen=True)
class SignedInAgent:
    agent: Agent
    session: AgentSession


async def token_agent(runtime: Runtime, token: str) -> SignedInAgent:
    async with runtime.db.transaction() as session:
        agent, agent_session = await authenticate(session, token=token, now=runtime.clock.now())
    return SignedInAgent(agent, agent_session)


async def current_agent(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(session_bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> SignedInAgent:
    """The signed-in agent; a cookie session must echo its CSRF token on every change."""
    if bearer is not None:
        return await token_agent(runtime, bearer.credentials)
    if cookie is None:
        raise RingbackError(
            "not-signed-in",
            "sign in first: POST /api/v1/workspace/session",
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="ringback-workspace"'},
        )
    signed_in = await token_agent(runtime, cookie)
    if (
        request.method not in SAFE_METHODS
        and request.headers.get(CSRF_HEADER) != signed_in.session.csrf_token
    ):
        raise RingbackError(
            "csrf-failed", f"send the {CSRF_HEADER} header given at sign-in", status=403
        )
    return signed_in


CurrentAgent = Annotated[SignedInAgent, Depends(current_agent)]
