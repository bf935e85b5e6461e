"""Signing in: the password is checked between two units of work, never inside one."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from ringback.agents import repository
from ringback.agents import service as agents
from ringback.agents.models import AgentStatus
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.errors import RingbackError

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # an outdated hash


async def hire(db: Database, clock: ManualClock, password_hash: str) -> None:
    async with db.transaction() as session:
        await agents.create_agent(
            session,
            login="ada",
            name="Ada",
            place="1001",
            now=clock.now(),
            password_hash=password_hash,
        )


async def checked(db: Database, password: str) -> tuple[agents.Credentials, str | None]:
    async with db.transaction() as session:
        stored = await agents.credentials(session, login="ada")
    return stored, await agents.check_password(stored, password)


async def test_a_checked_password_opens_a_session_and_outdated_hashes_are_renewed(
    db: Database, clock: ManualClock
) -> None:
    await hire(db, clock, CHEAP.hash(PASSWORD))
    stored, new_hash = await checked(db, PASSWORD)
    assert new_hash is not None and new_hash != stored.password_hash
    async with db.transaction() as session:
        signed = await agents.open_session(
            session, stored=stored, now=clock.now(), new_hash=new_hash
        )
        statuses = await repository.channel_statuses(session, signed.agent.id)
    assert signed.token and signed.csrf_token
    assert {s.status for s in statuses} == {AgentStatus.NOT_READY}
    _, renewed = await checked(db, PASSWORD)
    assert renewed is None  # the stored hash now has the current parameters


async def test_wrong_passwords_and_unknown_logins_are_refused_alike(
    db: Database, clock: ManualClock
) -> None:
    await hire(db, clock, CHEAP.hash(PASSWORD))
    for login, password in (("ada", "not the password"), ("nobody", PASSWORD)):
        async with db.transaction() as session:
            stored = await agents.credentials(session, login=login)
        with pytest.raises(RingbackError) as refused:
            await agents.check_password(stored, password)
        assert (refused.value.status, refused.value.code) == (401, "invalid-credentials")


@pytest.mark.parametrize("change", ["deactivated", "new password"])
async def test_a_change_between_the_check_and_the_session_refuses_it(
    db: Database, clock: ManualClock, change: str
) -> None:
    await hire(db, clock, CHEAP.hash(PASSWORD))
    stored, new_hash = await checked(db, PASSWORD)
    async with db.transaction() as session:
        agent = await repository.by_login(session, "ada")
        assert agent is not None
        if change == "deactivated":
            agent.active = False
        else:
            agent.password_hash = CHEAP.hash("another password")
    async with db.transaction() as session:
        with pytest.raises(RingbackError) as refused:
            await agents.open_session(session, stored=stored, now=clock.now(), new_hash=new_hash)
    assert refused.value.status == 401
    async with db.transaction() as session:
        agent = await repository.by_login(session, "ada")
        assert agent is not None and agent.password_hash != new_hash  # nothing was written
