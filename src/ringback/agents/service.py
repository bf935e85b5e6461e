"""Agent use cases: accounts, sign-in, and status per channel."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from ringback import ratelimit
from ringback.agents import repository
from ringback.agents.models import (
    Agent,
    AgentChannel,
    AgentChannelStatus,
    AgentSession,
    AgentStatus,
    AgentStatusHistory,
)
from ringback.config import repository as config_repository
from ringback.config.schema import AgentConfig
from ringback.errors import RingbackError, conflict, invalid, not_found
from ringback.realtime.stream import publish
from ringback.settings import Settings

hasher = PasswordHasher()
# Argon2 runs here, off the event loop: a few at a time (each takes 64 MiB and ~0.3 s), so that
# a burst of sign-ins neither floods memory nor takes the loop's default threads from others.
_hashing = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise invalid(
            "weak-password",
            f"a password needs at least {MIN_PASSWORD} characters",
            field="password",
        )
    return hasher.hash(password)


async def create_agent(
    session: AsyncSession,
    *,
    login: str,
    name: str,
    place: str,
    now: datetime,
    roles: Sequence[str] = ("agent",),
    skills: Sequence[str] = (),
    password: str | None = None,
    password_hash: str | None = None,
) -> Agent:
    if await repository.by_login(session, login) is not None:
        raise conflict("agent-exists", f"an agent with login {login!r} exists already")
    if await repository.by_place(session, place) is not None:
        raise conflict("place-in-use", f"place {place} belongs to another agent")
    agent = Agent(
        login=login,
        name=name,
        place=place,
        roles=list(roles),
        skills=list(skills),
        password_hash=hash_password(password) if password else password_hash,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(agent)
    await session.flush()
    ensure_channels(session, agent, now)
    return agent


def ensure_channels(session: AsyncSession, agent: Agent, now: datetime) -> None:
    """Every agent has a status row per channel, Logged Out until they sign in."""
    for channel in AgentChannel:
        session.add(
            AgentChannelStatus(
                agent_id=agent.id, channel=channel, status=AgentStatus.LOGGED_OUT, since=now
            )
        )


async def set_password(session: AsyncSession, *, login: str, password: str, now: datetime) -> Agent:
    agent = await _agent(session, login)
    agent.password_hash = hash_password(password)
    agent.updated_at = now
    return agent


@dataclass(frozen=True)
class SignedIn:
    agent: Agent
    token: str  # returned once; only its hash is kept
    csrf_token: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Credentials:
    """What the password is checked against: the agent's id and stored hash, if they may sign in."""

    agent_id: int | None
    password_hash: str | None


async def credentials(session: AsyncSession, *, login: str) -> Credentials:
    agent = await repository.by_login(session, login)
    if agent is None or not agent.active or agent.password_hash is None:
        return Credentials(None, None)
    return Credentials(agent.id, agent.password_hash)


def sign_in_budgets(*, login: str, address: str, settings: Settings) -> list[ratelimit.Budget]:
    """The budgets a failed sign-in is counted against: the login tried and the client address."""
    window = timedelta(minutes=settings.sign_in_failure_window_minutes)
    return [
        ratelimit.Budget(
            bucket, limit, window, what, code="sign-in-throttled", hits="failed sign-ins"
        )
        for bucket, limit, what in (
            (f"sign-in:login:{login}", settings.sign_in_failures_per_login, f"login {login}"),
            (
                f"sign-in:address:{address}",
                settings.sign_in_failures_per_address,
                f"address {address}",
            ),
        )
    ]


async def refuse_if_throttled(
    session: AsyncSession, *, budgets: Sequence[ratelimit.Budget], now: datetime
) -> None:
    """429 ``sign-in-throttled`` while the login or the address has no failure left in its
    window: checked before the password, so even the right one waits and argon2 is not run."""
    for budget in budgets:
        await ratelimit.refuse_if_spent(session, budget, now=now)


async def count_failed_sign_in(
    session: AsyncSession, *, budgets: Sequence[ratelimit.Budget], now: datetime
) -> None:
    """Count one failed sign-in against each budget (a success resets nothing)."""
    for budget in budgets:
        await ratelimit.count(session, budget, now=now)


async def check_password(stored: Credentials, password: str) -> str | None:
    """Check ``password`` against the stored hash, or 401; a new hash if the stored one is dated.

    Argon2 takes a good part of a second by design: it runs in its own threads, never on the
    event loop, and outside any transaction.
    """
    refused = RingbackError("invalid-credentials", "wrong login or password", status=401)
    loop = asyncio.get_running_loop()
    if stored.password_hash is None:
        # Same work either way, so that timing does not tell logins apart.
        await loop.run_in_executor(_hashing, hasher.hash, password)
        raise refused
    try:
        await loop.run_in_executor(_hashing, hasher.verify, stored.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if hasher.check_needs_rehash(stored.password_hash):
        return await loop.run_in_executor(_hashing, hasher.hash, password)
    return None


async def open_session(
    session: AsyncSession,
    *,
    stored: Credentials,
    now: datetime,
    new_hash: str | None = None,
) -> SignedIn:
    """Open a session for an agent whose password was checked; Logged Out channels become Not
    Ready. 401 if the agent was deactivated or given a new password in the meantime."""
    agent = await repository.by_id(session, stored.agent_id) if stored.agent_id else None
    if agent is None or not agent.active or agent.password_hash != stored.password_hash:
        raise RingbackError("invalid-credentials", "wrong login or password", status=401)
    if new_hash is not None:
        agent.password_hash = new_hash
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + SESSION_LIFETIME
    session.add(
        AgentSession(
            id=uuid.uuid4(),
            agent_id=agent.id,
            token_hash=_token_hash(token),
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    # Locked: a Logged Out row another sign-in (or My Status) moves on meanwhile is left as is.
    for status in await repository.channel_statuses(session, agent.id, for_update=True):
        if status.status is AgentStatus.LOGGED_OUT:
            change_status(
                session, agent, status, AgentStatus.NOT_READY, now=now, reason="signed in"
            )
    return SignedIn(agent, token, csrf, expires)


async def sign_in(session: AsyncSession, *, login: str, password: str, now: datetime) -> SignedIn:
    """Check the password and open a session, in one unit of work (tools and tests; the API
    checks the password between two, so that no transaction waits on argon2)."""
    stored = await credentials(session, login=login)
    new_hash = await check_password(stored, password)
    return await open_session(session, stored=stored, now=now, new_hash=new_hash)


async def authenticate(
    session: AsyncSession, *, token: str, now: datetime
) -> tuple[Agent, AgentSession]:
    found = await repository.session_by_token_hash(session, _token_hash(token))
    if found is None or found.ended_at is not None or found.expires_at <= now:
        raise RingbackError(
            "not-signed-in", "sign in again: the session is unknown or has ended", status=401
        )
    agent = await repository.by_id(session, found.agent_id)
    if agent is None or not agent.active:
        raise RingbackError("not-signed-in", "this agent can no longer sign in", status=401)
    return agent, found


async def sign_out(
    session: AsyncSession, *, agent: Agent, agent_session: AgentSession, now: datetime
) -> None:
    """End this session; with no other session left, every channel goes Logged Out."""
    # Locked: an offer a routing pass makes meanwhile is seen here, not overwritten.
    statuses = await repository.channel_statuses(session, agent.id, for_update=True)
    others = [
        s
        for s in await repository.live_sessions(session, agent.id, now)
        if s.id != agent_session.id
    ]
    if not others:
        if any(s.busy_with or s.offered for s in statuses):
            raise conflict(
                "interactions-open", "finish or hand back your interactions before signing out"
            )
        for status in statuses:
            change_status(
                session, agent, status, AgentStatus.LOGGED_OUT, now=now, reason="signed out"
            )
    agent_session.ended_at = now


async def set_status(
    session: AsyncSession,
    *,
    agent: Agent,
    channel: AgentChannel,
    status: AgentStatus,
    reason: str | None,
    now: datetime,
) -> AgentChannelStatus:
    """What the agent picks in My Status: Ready, Not Ready (with a reason) or Logged Out."""
    if status is AgentStatus.AFTER_CALL_WORK:
        raise invalid(
            "status-not-selectable", "After Call Work starts by itself after a call", field="status"
        )
    row = await repository.channel_status(session, agent.id, channel, for_update=True)
    assert row is not None
    if status is AgentStatus.NOT_READY and reason is not None:
        known = {r.code for r in await config_repository.all_not_ready_reasons(session) if r.active}
        if reason not in known:
            raise invalid("unknown-reason", f"{reason!r} is not a Not Ready reason", field="reason")
    if status is AgentStatus.LOGGED_OUT and (row.busy_with or row.offered):
        raise conflict(
            "interactions-open", f"finish your {channel} interaction before logging out of it"
        )
    if status is not AgentStatus.NOT_READY:
        reason = None
    change_status(session, agent, row, status, now=now, reason=reason)
    return row


def change_status(
    session: AsyncSession,
    agent: Agent,
    row: AgentChannelStatus,
    status: AgentStatus,
    *,
    now: datetime,
    reason: str | None,
    acw_until: datetime | None = None,
    acw_then: AgentStatus | None = None,
) -> None:
    """Record a status change on one channel, its history row and its real-time event."""
    previous = row.status
    row.status, row.reason, row.since = (
        status,
        reason if status is AgentStatus.NOT_READY else None,
        now,
    )
    row.acw_until, row.acw_then = acw_until, acw_then
    if status is AgentStatus.READY and previous is not AgentStatus.READY:
        row.idle_since = now
    session.add(
        AgentStatusHistory(
            agent_id=agent.id,
            channel=row.channel,
            at=now,
            from_status=previous,
            to_status=status,
            reason=reason,
        )
    )
    announce(session, row, now=now)


def announce(session: AsyncSession, row: AgentChannelStatus, *, now: datetime) -> None:
    """Push a channel's status (and what the agent holds) to the agent's screens."""
    publish(session, agent_id=row.agent_id, topic="agent.status", payload=status_view(row), now=now)


def status_view(row: AgentChannelStatus) -> dict[str, object]:
    """A channel's status as screens show it: Busy is derived from the interaction in hand."""
    return {
        "agent_id": row.agent_id,
        "channel": str(row.channel),
        "status": str(row.status),
        "busy": row.busy_with is not None,
        "reason": row.reason,
        "since": row.since.isoformat(),
        "acw_until": row.acw_until.isoformat() if row.acw_until else None,
        "offered": str(row.offered) if row.offered else None,
        "interaction": str(row.busy_with) if row.busy_with else None,
    }


async def end_after_call_work(session: AsyncSession, *, now: datetime, limit: int = 200) -> int:
    """Move agents whose After Call Work is over to Ready or Not Ready, as their service says."""
    rows = await repository.acw_ending(session, now, limit)
    for row in rows:
        agent = await repository.by_id(session, row.agent_id)
        assert agent is not None
        change_status(
            session,
            agent,
            row,
            row.acw_then or AgentStatus.READY,
            now=now,
            reason="after call work ended",
        )
    return len(rows)


async def _agent(session: AsyncSession, login: str) -> Agent:
    agent = await repository.by_login(session, login)
    if agent is None:
        raise not_found("agent-not-found", f"there is no agent with login {login!r}")
    return agent


async def apply_agents(
    session: AsyncSession, *, agents: Sequence[AgentConfig], now: datetime
) -> None:
    """Make the stored agents match the configuration; removed ones can no longer sign in.

    A password set with ``ringback agents passwd`` is kept unless the file gives a hash.
    """
    stored = {agent.login: agent for agent in await repository.all_agents(session)}
    for position, wanted in enumerate(agents):
        agent = stored.get(wanted.login)
        if agent is None:
            agent = await create_agent(
                session,
                login=wanted.login,
                name=wanted.name,
                place=wanted.place,
                roles=wanted.roles,
                skills=wanted.skills,
                password_hash=wanted.password_hash,
                now=now,
            )
        else:
            agent.name, agent.place, agent.active = wanted.name, wanted.place, True
            agent.roles, agent.skills = list(wanted.roles), list(wanted.skills)
            if wanted.password_hash:
                agent.password_hash = wanted.password_hash
            agent.updated_at = now
        agent.position = position
    logins = {a.login for a in agents}
    for login, agent in stored.items():
        if login not in logins and agent.active:
            agent.active, agent.updated_at = False, now


async def export_agents(session: AsyncSession) -> list[AgentConfig]:
    return [
        AgentConfig(login=a.login, name=a.name, place=a.place, roles=a.roles, skills=a.skills)
        for a in await repository.all_agents(session)
        if a.active
    ]
