"""Workspace API: signing in and out, My Status, and the reference data screens need."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.agents.queues import my_queues
from ringback.agents.schemas import (
    Me,
    MyQueueRead,
    SessionRead,
    SignIn,
    StatusChange,
    agent_read,
    my_queue_read,
    status_read,
)
from ringback.config import repository as config_repository
from ringback.errors import RingbackError
from ringback.runtime import RuntimeDep
from ringback.workspace.auth import SESSION_COOKIE, CurrentAgent

router = APIRouter(prefix="/api/v1/workspace", tags=["workspace"])
log = structlog.get_logger(__name__)


@router.post("/session", status_code=201, response_model=SessionRead)
async def sign_in(
    body: SignIn, request: Request, response: Response, runtime: RuntimeDep
) -> SessionRead:
    """Sign in; channels go from Logged Out to Not Ready. Sets an HttpOnly session cookie too.

    Failed attempts are counted per login and per client address; past either budget, 429
    ``sign-in-throttled`` with Retry-After, before the password is looked at.
    """
    # The peer address, or X-Forwarded-For only from a proxy uvicorn trusts (forwarded_allow_ips).
    address = request.client.host if request.client else "unknown"
    budgets = agents.sign_in_budgets(login=body.login, address=address, settings=runtime.settings)
    try:
        async with runtime.db.transaction() as session:
            await agents.refuse_if_throttled(session, budgets=budgets, now=runtime.clock.now())
            stored = await agents.credentials(session, login=body.login)
        try:
            new_hash = await agents.check_password(stored, body.password)
        except RingbackError:
            # Its own unit of work, committed before the refusal goes out.
            async with runtime.db.transaction() as session:
                await agents.count_failed_sign_in(session, budgets=budgets, now=runtime.clock.now())
            raise
        async with runtime.db.transaction() as session:
            signed = await agents.open_session(
                session, stored=stored, now=runtime.clock.now(), new_hash=new_hash
            )
            statuses = await agent_repository.channel_statuses(session, signed.agent.id)
    except RingbackError as exc:
        log.info("sign-in", login=body.login, address=address, outcome=exc.code)
        raise
    log.info("sign-in", login=body.login, address=address, outcome="signed-in")
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        expires=signed.expires_at,
    )
    return SessionRead(
        agent=agent_read(signed.agent),
        statuses=[status_read(s) for s in statuses],
        token=signed.token,
        csrf_token=signed.csrf_token,
        expires_at=signed.expires_at,
    )


@router.delete("/session", status_code=204)
async def sign_out(me: CurrentAgent, response: Response, runtime: RuntimeDep) -> None:
    """Sign out; with no other session open, every channel goes Logged Out."""
    async with runtime.db.transaction() as session:
        agent_session = await session.merge(me.session)
        await agents.sign_out(
            session, agent=me.agent, agent_session=agent_session, now=runtime.clock.now()
        )
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=Me)
async def whoami(me: CurrentAgent, runtime: RuntimeDep) -> Me:
    async with runtime.db.transaction() as session:
        statuses = await agent_repository.channel_statuses(session, me.agent.id)
    return Me(agent=agent_read(me.agent), statuses=[status_read(s) for s in statuses])


@router.put("/status/{channel}", response_model=Me)
async def set_status(
    channel: AgentChannel, body: StatusChange, me: CurrentAgent, runtime: RuntimeDep
) -> Me:
    """My Status on one channel: Ready, Not Ready with a reason, or Logged Out."""
    async with runtime.db.transaction() as session:
        await agents.set_status(
            session,
            agent=me.agent,
            channel=channel,
            status=AgentStatus(body.status),
            reason=body.reason,
            now=runtime.clock.now(),
        )
        statuses = await agent_repository.channel_statuses(session, me.agent.id)
    return Me(agent=agent_read(me.agent), statuses=[status_read(s) for s in statuses])


@router.get("/queues", response_model=list[MyQueueRead], summary="My queues")
async def queues(me: CurrentAgent, runtime: RuntimeDep) -> list[MyQueueRead]:
    """My queues: each active service whose queue I hold every skill of, with the callbacks
    queued there and the next scheduled one; what an empty desk is waiting for."""
    async with runtime.db.transaction() as session:
        mine = await my_queues(session, agent=me.agent)
    return [my_queue_read(q) for q in mine]


class NotReadyReasonRead(BaseModel):
    code: str
    label: str


class DispositionNode(BaseModel):
    code: str
    label: str
    children: list[DispositionNode]


@router.get("/not-ready-reasons", response_model=list[NotReadyReasonRead])
async def not_ready_reasons(me: CurrentAgent, runtime: RuntimeDep) -> list[NotReadyReasonRead]:
    """The reasons an agent may give for Not Ready."""
    async with runtime.db.transaction() as session:
        rows = await config_repository.all_not_ready_reasons(session)
    return [NotReadyReasonRead(code=r.code, label=r.label) for r in rows if r.active]


@router.get("/dispositions", response_model=list[DispositionNode])
async def dispositions(me: CurrentAgent, runtime: RuntimeDep) -> list[DispositionNode]:
    """The disposition code tree."""
    async with runtime.db.transaction() as session:
        rows = [r for r in await config_repository.all_dispositions(session) if r.active]

    def children(parent: str | None) -> list[DispositionNode]:
        return [
            DispositionNode(code=r.code, label=r.label, children=children(r.code))
            for r in rows
            if r.parent_code == parent
        ]

    return children(None)
