"""The customer's link: signed, unguessable, and alive until some days after the callback ended."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from ringback.callbacks.models import Callback
from ringback.callbacks.states import CallbackState
from ringback.customers import repository
from ringback.customers.links import (
    KEY_NAME,
    LinkKeys,
    link_alive,
    manage_url,
    sign,
    verified_callback_id,
)
from ringback.db import Database
from ringback.settings import Settings

pytestmark = pytest.mark.anyio

KEY = b"k" * 32
CALLBACK_ID = uuid.UUID("5f0c6f4e-2b1d-4c55-9a3e-0d7f2c9e8a11")
T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def test_a_signed_token_names_its_callback() -> None:
    token = sign(CALLBACK_ID, KEY)
    assert verified_callback_id(token, KEY) == CALLBACK_ID
    assert len(token) == 43 and "=" not in token and "/" not in token and "+" not in token


def test_a_token_does_not_show_the_id_in_clear_nor_work_with_another_key() -> None:
    token = sign(CALLBACK_ID, KEY)
    assert str(CALLBACK_ID) not in token
    assert verified_callback_id(token, b"other" * 8) is None


@pytest.mark.parametrize("position", [0, 5, 21, 30, 42])
def test_any_changed_character_is_refused(position: int) -> None:
    token = sign(CALLBACK_ID, KEY)
    changed = "A" if token[position] != "A" else "B"
    tampered = token[:position] + changed + token[position + 1 :]
    assert verified_callback_id(tampered, KEY) is None


def test_another_callbacks_id_with_this_mac_is_refused() -> None:
    token = sign(CALLBACK_ID, KEY)
    other = sign(uuid.uuid4(), KEY)
    assert verified_callback_id(other[:22] + token[22:], KEY) is None


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "!" * 43, "a" * 44, "é" * 43])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert verified_callback_id(token, KEY) is None


def test_manage_url_is_absolute_under_the_base_url() -> None:
    url = manage_url("https://callbacks.bank.example/", CALLBACK_ID, KEY)
    assert url == f"https://callbacks.bank.example/c/{sign(CALLBACK_ID, KEY)}"
    assert manage_url("https://bank.example/help", CALLBACK_ID, KEY).startswith(
        "https://bank.example/help/c/"
    )


def _callback(state: CallbackState, updated_at: datetime) -> Callback:
    return Callback(id=CALLBACK_ID, state=state, updated_at=updated_at)


@pytest.mark.parametrize("state", [CallbackState.SCHEDULED, CallbackState.QUEUED])
def test_a_waiting_callbacks_link_works_however_old(state: CallbackState) -> None:
    callback = _callback(state, T0)
    assert link_alive(callback, now=T0 + timedelta(days=400), days=7)


@pytest.mark.parametrize(
    "state", [CallbackState.COMPLETED, CallbackState.CANCELLED, CallbackState.EXPIRED]
)
def test_an_ended_callbacks_link_stops_n_days_after_it_ended(state: CallbackState) -> None:
    callback = _callback(state, T0)
    assert link_alive(callback, now=T0 + timedelta(days=7) - timedelta(seconds=1), days=7)
    assert not link_alive(callback, now=T0 + timedelta(days=7), days=7)
    assert link_alive(callback, now=T0 + timedelta(days=2), days=3)
    assert not link_alive(callback, now=T0 + timedelta(days=3, hours=1), days=3)


async def test_without_a_secret_key_one_key_is_made_and_shared_through_the_database(
    db: Database,
) -> None:
    settings = Settings(database_url=db.url)
    first = await LinkKeys().get(db, settings)
    second_node = await LinkKeys().get(db, settings)
    assert first == second_node and len(first) == 32
    async with db.transaction() as session:
        stored = await repository.signing_key(session, KEY_NAME)
    assert stored is not None
    # A second key offered later does not replace the stored one.
    async with db.transaction() as session:
        await repository.add_signing_key(session, name=KEY_NAME, secret="other", now=T0)
        assert await repository.signing_key(session, KEY_NAME) == stored


async def test_a_configured_secret_key_is_used_instead_of_the_stored_one(db: Database) -> None:
    shared = Settings(database_url=db.url, secret_key=SecretStr("correct horse battery staple"))
    configured = await LinkKeys().get(db, shared)
    assert configured == await LinkKeys().get(Database("sqlite:///unused.db"), shared)
    assert configured != await LinkKeys().get(db, Settings(database_url=db.url))
    other = Settings(database_url=db.url, secret_key=SecretStr("another secret"))
    assert configured != await LinkKeys().get(db, other)
    assert "correct horse" not in repr(shared)
