"""The standard response library: applied from the configuration file, searched, rendered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.support import TEST_CONFIG

from ringback.callbacks.models import Callback
from ringback.clock import ManualClock
from ringback.config import repository as config_repository
from ringback.config.loader import ConfigFileError, parse_config
from ringback.config.service import apply_config, export_config
from ringback.contacts.models import Contact
from ringback.db import Database
from ringback.errors import RingbackError
from ringback.responses import service as responses
from ringback.responses.fields import substitution_fields
from ringback.responses.models import StandardResponse
from ringback.responses.schemas import response_read

pytestmark = pytest.mark.anyio

LIBRARY = """
[[responses]]
code = "lost-card"
category = "Cards"
title = "Lost or stolen card"
text = "Dear {contact.first_name}, your card is blocked; a new one is on its way."
services = ["support"]

[[responses]]
code = "closing"
category = "Closing"
title = "Thanks for calling"
text = "Thank you for your call, {contact.name}. {agent.name}"

[[responses]]
code = "pin-reset"
category = "Cards"
title = "PIN réinitialisé"
text = "Votre code PIN a été réinitialisé."
services = ["returning", "support"]
"""
QUEUES_AND_SERVICES = (
    "".join(
        f"""
[[services]]
name = "{name}"
queue = "support"
time_zone = "{zone}"
[services.office_hours]
monday = ["09:00-17:00"]
"""
        for name, zone in [
            ("support", "America/New_York"),
            ("returning", "Europe/Paris"),
            ("anytime", "UTC"),
        ]
    )
    + """
[[queues]]
name = "support"
"""
)


async def apply(db: Database, text: str, clock: ManualClock) -> None:
    async with db.transaction() as session:
        await apply_config(session, config=parse_config(text, source="t.toml"), now=clock.now())


async def codes(db: Database, **options: object) -> list[str]:
    async with db.transaction() as session:
        found = await responses.search_responses(session, **options)  # type: ignore[arg-type]
    return [response.code for response in found.responses]


async def test_export_gives_back_the_responses_applied(configured_db: Database) -> None:
    async with configured_db.transaction() as session:
        exported = await export_config(session)
    expected = parse_config(TEST_CONFIG, source="t.toml")
    assert exported.responses == expected.responses
    assert [r.code for r in exported.responses] == [
        "greeting",
        "callback-confirmation",
        "rappel-fr",
    ]
    assert exported == expected


async def test_search_by_words_of_title_category_or_text(db: Database, clock: ManualClock) -> None:
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    assert await codes(db) == ["lost-card", "closing", "pin-reset"]
    assert await codes(db, query="STOLEN") == ["lost-card"]  # the title
    assert await codes(db, query="blocked way") == ["lost-card"]  # words of the text
    assert await codes(db, query="cards") == ["lost-card", "pin-reset"]  # the category
    assert await codes(db, query="reinitialise pin") == ["pin-reset"]  # accents, any order
    assert await codes(db, query="thank call") == ["closing"]
    assert await codes(db, query="{contact") == ["lost-card", "closing"]
    assert await codes(db, query="%") == []
    assert await codes(db, category="Cards") == ["lost-card", "pin-reset"]
    assert await codes(db, query="blocked", category="Closing") == []


async def test_a_service_sees_the_responses_for_all_and_its_own(
    db: Database, clock: ManualClock
) -> None:
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    assert await codes(db, service="support") == ["lost-card", "closing", "pin-reset"]
    assert await codes(db, service="returning") == ["closing", "pin-reset"]
    assert await codes(db, service="anytime") == ["closing"]
    with pytest.raises(RingbackError) as unknown:
        await codes(db, service="nope")
    assert unknown.value.code == "service-not-found"
    async with db.transaction() as session:
        assert await responses.list_categories(session) == [("Cards", 2), ("Closing", 1)]
        assert await responses.list_categories(session, service="anytime") == [("Closing", 1)]


async def test_search_pages(db: Database, clock: ManualClock) -> None:
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    async with db.transaction() as session:
        first = await responses.search_responses(session, limit=2)
        second = await responses.search_responses(session, limit=2, offset=first.next_offset or 0)
    assert [r.code for r in first.responses] == ["lost-card", "closing"]
    assert first.next_offset == 2
    assert [r.code for r in second.responses] == ["pin-reset"] and second.next_offset is None


async def test_get_and_render_a_response(db: Database, clock: ManualClock) -> None:
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    async with db.transaction() as session:
        found = response_read(await responses.get_response(session, code="pin-reset"))
        _, rendered = await responses.render_standard_response(
            session, code="closing", fields={"contact.name": "Dana Reyes"}
        )
        with pytest.raises(RingbackError) as missing:
            await responses.get_response(session, code="nope")
    assert found.title == "PIN réinitialisé" and found.services == ["returning", "support"]
    assert rendered == "Thank you for your call, Dana Reyes. [agent.name]"
    assert missing.value.code == "response-not-found" and missing.value.status == 404


async def test_a_removed_response_is_retired_and_can_come_back(
    db: Database, clock: ManualClock
) -> None:
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    without_closing = QUEUES_AND_SERVICES + LIBRARY.replace('code = "closing"', 'code = "bye"')
    await apply(db, without_closing, clock)
    assert await codes(db) == ["lost-card", "bye", "pin-reset"]
    async with db.transaction() as session:
        retired = await session.scalar(
            select(StandardResponse).where(StandardResponse.code == "closing")
        )
        with pytest.raises(RingbackError):
            await responses.get_response(session, code="closing")
        exported = await export_config(session)
    assert retired is not None and not retired.active
    assert [r.code for r in exported.responses] == ["lost-card", "bye", "pin-reset"]
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    assert await codes(db) == ["lost-card", "closing", "pin-reset"]


async def test_reapplying_changes_only_what_changed(db: Database, clock: ManualClock) -> None:
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)

    async def stamps() -> dict[str, datetime]:
        async with db.transaction() as session:
            rows = (await session.scalars(select(StandardResponse))).all()
        return {row.code: row.updated_at for row in rows}

    before = await stamps()
    clock.advance(timedelta(hours=1))
    await apply(db, QUEUES_AND_SERVICES + LIBRARY, clock)
    assert await stamps() == before
    # Another service list: the links are replaced, and only that response is touched.
    changed = LIBRARY.replace('services = ["returning", "support"]', 'services = ["support"]')
    await apply(db, QUEUES_AND_SERVICES + changed, clock)
    after = await stamps()
    assert after["pin-reset"] == clock.now() and after["lost-card"] == before["lost-card"]
    assert await codes(db, service="returning") == ["closing"]
    async with db.transaction() as session:
        assert (await responses.get_response(session, code="pin-reset")).services == ["support"]


@pytest.mark.parametrize(
    ("library", "problem"),
    [
        (LIBRARY.replace('"pin-reset"', '"lost-card"'), "responses: 'lost-card' is defined twice"),
        (
            LIBRARY.replace('services = ["support"]', 'services = ["billing"]'),
            "responses[0] (lost-card).services: no service named 'billing'",
        ),
        (
            LIBRARY.replace("{contact.first_name}", "{contact.firstname}"),
            "unknown field {contact.firstname}",
        ),
        (LIBRARY.replace("{agent.name}", "{agent.name"), "lone { or }"),
        (
            LIBRARY.replace('["returning", "support"]', '["support", "support"]'),
            "a service is listed twice",
        ),
        (LIBRARY.replace('category = "Closing"', 'category = " "'), "responses[1] (closing)"),
    ],
)
def test_a_bad_library_is_refused_before_anything_is_applied(library: str, problem: str) -> None:
    with pytest.raises(ConfigFileError) as refused:
        parse_config(QUEUES_AND_SERVICES + library, source="t.toml")
    assert problem in refused.value.detail


async def test_fields_come_from_the_contact_the_callback_and_the_service(
    configured_db: Database,
) -> None:
    async with configured_db.transaction() as session:
        service = await config_repository.service_by_name(session, "support")
    assert service is not None
    contact = Contact(first_name="Dana", last_name="Reyes")
    callback = Callback(
        phone="+12125550142",
        customer_time_zone=None,
        desired_time=datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
    )
    fields = substitution_fields(
        contact=contact, agent_name="Amy Chen", callback=callback, service=service
    )
    assert fields == {
        "contact.first_name": "Dana",
        "contact.last_name": "Reyes",
        "contact.name": "Dana Reyes",
        "agent.name": "Amy Chen",
        "callback.desired_time": "Tuesday 8 December 2026, 10:30 (America/New_York)",
        "callback.phone": "+1 212-555-0142",
        "service.name": "Customer support",
    }
    async with configured_db.transaction() as session:
        _, text = await responses.render_standard_response(
            session, code="callback-confirmation", fields=fields
        )
    assert text == (
        "Dear Dana Reyes,\nwe will call you back on Tuesday 8 December 2026, 10:30 "
        "(America/New_York) at +1 212-555-0142.\nCustomer support"
    )
    assert set(substitution_fields()) == set(fields)
    assert all(value is None for value in substitution_fields().values())
