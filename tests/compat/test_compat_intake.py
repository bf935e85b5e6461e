"""The vendors' requests in Ringback's terms: numbers, types, states, times, services by alias,
and the search by properties on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.e2e.compat import COMPAT_CONFIG, QUEUE_ID

from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.states import CallbackState, CallbackType
from ringback.clock import ManualClock
from ringback.compat import intake, repository
from ringback.config import repository as config_repository
from ringback.config.loader import ConfigFileError, parse_config
from ringback.config.service import apply_config
from ringback.db import Database
from ringback.errors import RingbackError

ALL = callbacks.Caller(actor="test")


def test_the_first_callable_number_is_called_and_the_rest_kept() -> None:
    picked = intake.pick_numbers(
        ["12", "020 7946 0611", "+44 20 7946 0611", "+44 20 7946 0612"],
        region="GB",
        strict=False,
        field="callbackNumbers",
    )
    assert picked == intake.Numbers("+442079460611", ("+442079460612",))
    with pytest.raises(RingbackError) as refused:
        intake.pick_numbers(["020 7946 0611", "12"], region="GB", strict=True, field="n")
    assert (refused.value.code, refused.value.field) == ("invalid-phone", "n[1]")
    with pytest.raises(RingbackError) as refused:
        intake.pick_numbers(["12", "34"], region="GB", strict=False, field="n")
    assert refused.value.field == "n" and "none of the 2" in refused.value.detail
    with pytest.raises(RingbackError) as refused:
        intake.pick_numbers([], region="GB", strict=False, field="n")
    assert refused.value.field == "n"


def test_naive_times_are_utc_and_times_are_written_as_the_vendors_do() -> None:
    assert intake.utc_time("2026-11-27T19:00:00", field="t") == datetime(
        2026, 11, 27, 19, tzinfo=UTC
    )
    assert intake.utc_time("2026-11-27T19:00:00.000Z", field="t") == datetime(
        2026, 11, 27, 19, tzinfo=UTC
    )
    assert intake.utc_time("2026-11-27T14:00:00-05:00", field="t") == datetime(
        2026, 11, 27, 19, tzinfo=UTC
    )
    for bad in ["tomorrow", "1700000000", "2026-13-01T00:00:00", "0001-01-01T00:00:00+01:00"]:
        with pytest.raises(RingbackError) as refused:
            intake.utc_time(bad, field="t")
        assert refused.value.code == "invalid-time" and refused.value.field == "t"
    assert intake.utc_text(datetime(2026, 11, 27, 19, 0, 5, 123456, tzinfo=UTC)) == (
        "2026-11-27T19:00:05.123Z"
    )


def test_gms_states_and_reasons() -> None:
    assert intake.states_for_gms("processing") == {
        CallbackState.ACCEPTED,
        CallbackState.DIALING,
        CallbackState.CONNECTED,
    }
    assert intake.states_for_gms("COMPLETED") == {
        CallbackState.COMPLETED,
        CallbackState.CANCELLED,
        CallbackState.FAILED,
        CallbackState.EXPIRED,
    }
    assert intake.states_for_gms(reason="cancelled") == {CallbackState.CANCELLED}
    assert intake.states_for_gms("QUEUED", "CANCELLED") == set()
    assert intake.states_for_gms("LOST") == set()
    # Every Ringback state has a GMS state.
    assert set(intake.GMS_STATES) == set(CallbackState)


def test_aliases_are_unique_with_the_names() -> None:
    clash = COMPAT_CONFIG.replace(f'"{QUEUE_ID}", "callback-anytime"', '"support"')
    with pytest.raises(ConfigFileError, match=r"names and aliases\): 'support' is defined twice"):
        parse_config(clash, source="test.toml")


@pytest.fixture
async def compat_db(db: Database, clock: ManualClock) -> Database:
    async with db.transaction() as session:
        await apply_config(
            session, config=parse_config(COMPAT_CONFIG, source="test.toml"), now=clock.now()
        )
    return db


@pytest.mark.anyio
async def test_a_service_by_name_or_alias_within_the_keys_scope(compat_db: Database) -> None:
    async with compat_db.transaction() as session:
        for name in ("anytime", QUEUE_ID, "callback-anytime"):
            assert (await intake.service_named(session, name, caller=ALL)).name == "anytime"
        scoped = callbacks.Caller(actor="test", services=frozenset({"support"}))
        with pytest.raises(RingbackError) as refused:
            await intake.service_named(session, QUEUE_ID, caller=scoped)
        assert refused.value.status == 403
        with pytest.raises(RingbackError) as refused:
            await intake.service_named(session, "nowhere", caller=ALL)
        assert refused.value.status == 404


@pytest.mark.anyio
async def test_search_by_properties_and_or(compat_db: Database, clock: ManualClock) -> None:
    made = {}
    async with compat_db.transaction() as session:
        for phone, data in [
            ("+442079460621", {"topic": "card", "genesys.scriptId": "s-1"}),
            ("+442079460622", {"topic": "loan"}),
            ("+442079460623", {"topic": "card", "vip": "true"}),
        ]:
            created = await callbacks.create_callback(
                session,
                request=CallbackCreate(service="anytime", phone=phone, data=data),
                caller=ALL,
                now=clock.now(),
            )
            made[phone] = created.callback.id
            clock.advance(timedelta(seconds=1))
        await callbacks.cancel_callback(
            session, callback_id=made["+442079460622"], caller=ALL, now=clock.now(), reason=None
        )
    async with compat_db.transaction() as session:
        service = await config_repository.service_by_name(session, "anytime")
        assert service is not None

        async def ids(**query: object) -> list[str]:
            rows = await repository.search(session, service_id=service.id, limit=10, **query)
            return [row.phone[-3:] for row in rows]

        assert await ids() == ["623", "622", "621"]  # newest first
        assert await ids(data={"topic": "card"}) == ["623", "621"]
        assert await ids(data={"genesys.scriptId": "s-1"}) == ["621"]  # a dotted key
        assert await ids(data={"topic": "card", "vip": "true"}) == ["623"]
        assert await ids(data={"vip": "true", "topic": "loan"}, any_of=True) == ["623", "622"]
        assert await ids(phone="+442079460621", states={CallbackState.QUEUED}) == ["621"]
        assert await ids(states=intake.states_for_gms("COMPLETED")) == ["622"]
        assert await ids(data={"topic": "card"}, states={CallbackState.CANCELLED}) == []
        rows = await repository.search(session, service_id=service.id, limit=1)
        assert len(rows) == 1


def test_a_time_asked_for_books_a_slot_where_the_service_has_them() -> None:
    config = parse_config(COMPAT_CONFIG, source="test.toml")
    by_name = {s.name: s for s in config.services}

    def service(name: str) -> config_repository.Service:
        return config_repository.Service(1, 1, "support", by_name[name])

    at = datetime(2026, 12, 8, 15, tzinfo=UTC)
    assert intake.callback_type(service("anytime"), at) is CallbackType.SCHEDULED
    assert intake.callback_type(service("anytime"), None) is CallbackType.IMMEDIATE
    # "returning" offers immediate and delayed callbacks only: a time delays the callback.
    assert intake.callback_type(service("returning"), at) is CallbackType.DELAYED
