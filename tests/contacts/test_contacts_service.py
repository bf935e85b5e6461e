"""Contact directory use cases against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ringback.clock import ManualClock
from ringback.contacts import service as contacts
from ringback.contacts.models import Contact, ContactHistoryKind, ContactPhone
from ringback.contacts.schemas import ContactCreate, ContactUpdate, contact_read
from ringback.db import Database
from ringback.errors import RingbackError

pytestmark = pytest.mark.anyio


def person(first: str, last: str, *phones: str, emails: tuple[str, ...] = ()) -> ContactCreate:
    return ContactCreate(
        first_name=first,
        last_name=last,
        phones=[{"number": number, "label": "mobile"} for number in phones],  # type: ignore[misc]
        emails=[{"address": address, "label": "home"} for address in emails],  # type: ignore[misc]
    )


async def create(db: Database, clock: ManualClock, request: ContactCreate) -> Contact:
    async with db.transaction() as session:
        return await contacts.create_contact(session, request=request, now=clock.now())


async def edit(db: Database, clock: ManualClock, contact: Contact, **fields: Any) -> Contact:
    async with db.transaction() as session:
        return await contacts.edit_contact(
            session,
            contact_id=contact.id,
            request=ContactUpdate.model_validate(fields),
            now=clock.now(),
        )


async def merge(db: Database, clock: ManualClock, source: Contact, target: Contact) -> Contact:
    async with db.transaction() as session:
        return await contacts.merge_contacts(
            session, source_id=source.id, target_id=target.id, agent_login="jdoe", now=clock.now()
        )


async def refused(work: Any) -> RingbackError:
    with pytest.raises(RingbackError) as caught:
        await work
    return caught.value


async def test_a_contact_keeps_its_numbers_in_e164_and_its_addresses_in_order(
    db: Database, clock: ManualClock
) -> None:
    created = await create(
        db,
        clock,
        person(
            " Dana ",
            "Reyes",
            "(212) 555-0142",
            "+44 20 7946 0018",
            emails=("Dana.Reyes@Example.COM", "dana@work.example"),
        ),
    )
    async with db.transaction() as session:
        stored = contact_read(await contacts.get_contact(session, contact_id=created.id))
    assert stored.first_name == "Dana" and stored.display_name == "Dana Reyes"
    assert [(p.number, p.label) for p in stored.phones] == [
        ("+12125550142", "mobile"),
        ("+442079460018", "mobile"),
    ]
    assert [e.address for e in stored.emails] == ["Dana.Reyes@example.com", "dana@work.example"]
    assert stored.created_at == stored.updated_at == clock.now()
    assert stored.merged_into is None


async def test_a_number_belongs_to_one_contact_whatever_its_format(
    db: Database, clock: ManualClock
) -> None:
    owner = await create(db, clock, person("Dana", "Reyes", "+1 212 555 0142"))
    error = await refused(create(db, clock, person("Sam", "Reyes", "212.555.0142")))
    assert error.code == "phone-in-use" and error.status == 409
    assert error.extra["contact_id"] == str(owner.id)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1


@pytest.mark.parametrize(
    ("request_fields", "code", "field"),
    [
        ({"first_name": "A", "phones": [{"number": "123"}]}, "invalid-phone", "phones[0].number"),
        (
            {"first_name": "A", "emails": [{"address": "dana@"}]},
            "invalid-email",
            "emails[0].address",
        ),
        (
            {"first_name": "A", "phones": [{"number": "2125550142"}, {"number": "+12125550142"}]},
            "duplicate-phone",
            "phones[1].number",
        ),
        (
            {"first_name": "A", "emails": [{"address": "a@x.example"}, {"address": "A@X.example"}]},
            "duplicate-email",
            "emails[1].address",
        ),
        ({"first_name": " ", "last_name": ""}, "contact-name-required", "last_name"),
    ],
)
async def test_bad_contacts_are_refused_with_the_field_at_fault(
    db: Database,
    clock: ManualClock,
    request_fields: dict[str, Any],
    code: str,
    field: str,
) -> None:
    error = await refused(create(db, clock, ContactCreate.model_validate(request_fields)))
    assert (error.code, error.field) == (code, field)


async def test_an_edit_replaces_what_it_names_and_keeps_the_rest(
    db: Database, clock: ManualClock
) -> None:
    contact = await create(
        db, clock, person("Dana", "Reyes", "2125550142", "2125550143", emails=("d@x.example",))
    )
    clock.advance(timedelta(minutes=5))
    edited = await edit(
        db,
        clock,
        contact,
        last_name="Reyes-Ortiz",
        phones=[
            {"number": "+1 212 555 0199", "label": "work"},
            {"number": "212-555-0142", "label": "home"},
        ],
    )
    assert (edited.first_name, edited.last_name) == ("Dana", "Reyes-Ortiz")
    assert [(p.number, p.label) for p in edited.phones] == [
        ("+12125550199", "work"),
        ("+12125550142", "home"),
    ]
    assert [e.address for e in edited.emails] == ["d@x.example"]
    assert edited.updated_at == clock.now() and edited.created_at < clock.now()
    # The number dropped by the edit is free for someone else now.
    other = await create(db, clock, person("Sam", "Lee", "2125550143"))
    assert [p.number for p in other.phones] == ["+12125550143"]
    async with db.transaction() as session:
        found = await contacts.search_contacts(session, query="reyes-ortiz")
    assert [c.id for c in found.contacts] == [contact.id]


async def test_an_edit_cannot_take_another_contacts_number(
    db: Database, clock: ManualClock
) -> None:
    dana = await create(db, clock, person("Dana", "Reyes", "2125550142"))
    sam = await create(db, clock, person("Sam", "Lee", "2125550143"))
    error = await refused(
        edit(db, clock, sam, first_name="Samuel", phones=[{"number": "(212) 555-0142"}])
    )
    assert error.code == "phone-in-use" and error.extra["contact_id"] == str(dana.id)
    async with db.transaction() as session:
        unchanged = await contacts.get_contact(session, contact_id=sam.id)
    assert unchanged.first_name == "Sam"  # the refused edit changed nothing
    assert [p.number for p in unchanged.phones] == ["+12125550143"]


async def test_an_edit_may_drop_every_address_and_reorder_numbers(
    db: Database, clock: ManualClock
) -> None:
    contact = await create(
        db, clock, person("Dana", "Reyes", "2125550142", "2125550143", emails=("d@x.example",))
    )
    edited = await edit(
        db, clock, contact, emails=[], phones=[{"number": "2125550143"}, {"number": "2125550142"}]
    )
    assert edited.emails == []
    assert [p.number for p in edited.phones] == ["+12125550143", "+12125550142"]


async def test_merge_moves_numbers_addresses_and_history_and_hides_the_source(
    db: Database, clock: ManualClock
) -> None:
    target = await create(
        db, clock, person("Dana", "Reyes", "2125550142", emails=("dana@x.example",))
    )
    source = await create(
        db,
        clock,
        person("D.", "Reyes", "2125550143", emails=("DANA@x.example", "dr@work.example")),
    )
    async with db.transaction() as session:
        await contacts.add_history(
            session,
            contact_id=source.id,
            kind=ContactHistoryKind.NOTE,
            text="prefers mornings",
            now=clock.now(),
            agent_login="amy",
        )
    clock.advance(timedelta(minutes=1))
    merged = await merge(db, clock, source, target)

    assert [p.number for p in merged.phones] == ["+12125550142", "+12125550143"]
    # The address the target already had (in another case) is not listed twice.
    assert [e.address for e in merged.emails] == ["dana@x.example", "dr@work.example"]
    async with db.transaction() as session:
        gone = await contacts.get_contact(session, contact_id=source.id)
        entries = await contacts.history(session, contact_id=target.id)
        by_number = await contacts.search_contacts(session, query="212 555 0143")
        by_name = await contacts.search_contacts(session, query="reyes")
        live = await contacts.live_contact(session, contact_id=source.id)
    assert gone.merged_into == target.id and gone.phones == [] and gone.emails == []
    assert [(e.kind, e.agent_login) for e in entries] == [
        (ContactHistoryKind.MERGE, "jdoe"),
        (ContactHistoryKind.NOTE, "amy"),
    ]
    assert [c.id for c in by_number.contacts] == [target.id]
    assert [c.id for c in by_name.contacts] == [target.id]
    assert live.id == target.id

    # What is written later against the old contact lands on the one it was merged into.
    async with db.transaction() as session:
        late = await contacts.add_history(
            session,
            contact_id=source.id,
            kind=ContactHistoryKind.DISPOSITION,
            text="resolved",
            now=clock.now(),
        )
        with pytest.raises(RingbackError) as unknown:
            await contacts.add_history(
                session,
                contact_id=uuid.uuid4(),
                kind=ContactHistoryKind.NOTE,
                text="lost",
                now=clock.now(),
            )
    assert late.contact_id == target.id
    assert unknown.value.code == "contact-not-found"


async def test_merges_that_make_no_sense_are_refused(db: Database, clock: ManualClock) -> None:
    a = await create(db, clock, person("Ann", "A"))
    b = await create(db, clock, person("Bob", "B"))
    c = await create(db, clock, person("Cid", "C"))
    assert (await refused(merge(db, clock, a, a))).code == "merge-into-self"
    await merge(db, clock, a, b)
    into_merged = await refused(merge(db, clock, c, a))
    assert into_merged.code == "contact-merged" and into_merged.extra["merged_into"] == str(b.id)
    assert (await refused(merge(db, clock, a, c))).code == "contact-merged"
    assert (await refused(edit(db, clock, a, first_name="Anna"))).code == "contact-merged"
    ghost = Contact(id=uuid.UUID(int=1))
    assert (await refused(merge(db, clock, ghost, c))).code == "contact-not-found"


async def test_a_merged_target_merged_again_leaves_no_chain(
    db: Database, clock: ManualClock
) -> None:
    a = await create(db, clock, person("Ann", "A"))
    b = await create(db, clock, person("Bob", "B"))
    c = await create(db, clock, person("Cid", "C"))
    await merge(db, clock, a, b)
    await merge(db, clock, b, c)
    async with db.transaction() as session:
        first = await contacts.get_contact(session, contact_id=a.id)
    assert first.merged_into == c.id


async def test_contact_for_phone_finds_the_owner_in_any_format_or_creates_one(
    db: Database, clock: ManualClock
) -> None:
    dana = await create(db, clock, person("Dana", "Reyes", "+12125550142"))
    async with db.transaction() as session:
        found = await contacts.contact_for_phone(
            session, phone="(212) 555-0142", name="Someone Else", now=clock.now()
        )
        new = await contacts.contact_for_phone(
            session, phone="+33 6 12 34 56 78", name="Jean-Pierre de la Fontaine", now=clock.now()
        )
        nameless = await contacts.contact_for_phone(
            session, phone="+44 20 7946 0018", name=None, now=clock.now()
        )
    assert found.id == dana.id and found.first_name == "Dana"
    assert (new.first_name, new.last_name) == ("Jean-Pierre", "de la Fontaine")
    assert [p.number for p in new.phones] == ["+33612345678"]
    assert nameless.display_name == "" and [p.number for p in nameless.phones] == ["+442079460018"]
    async with db.transaction() as session:
        named_later = await contacts.contact_for_phone(
            session, phone="020 7946 0018", name="Amadou Daniels", now=clock.now(), region="GB"
        )
    assert named_later.id == nameless.id and named_later.display_name == "Amadou Daniels"


async def test_contact_for_phone_follows_a_merge(db: Database, clock: ManualClock) -> None:
    target = await create(db, clock, person("Dana", "Reyes"))
    source = await create(db, clock, person("D", "R", "2125550142"))
    await merge(db, clock, source, target)
    async with db.transaction() as session:
        found = await contacts.contact_for_phone(
            session, phone="2125550142", name=None, now=clock.now()
        )
    assert found.id == target.id


async def test_concurrent_requests_from_a_new_number_make_one_contact(
    db: Database, clock: ManualClock
) -> None:
    async def request_from(name: str) -> Contact:
        async with db.transaction() as session:
            return await contacts.contact_for_phone(
                session, phone="+1 646 555 0100", name=name, now=clock.now()
            )

    found = await asyncio.gather(*(request_from(f"Caller {i}") for i in range(8)))
    assert len({contact.id for contact in found}) == 1
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
        assert await session.scalar(select(func.count()).select_from(ContactPhone)) == 1


async def test_history_is_newest_first_and_carries_its_references(
    db: Database, clock: ManualClock
) -> None:
    contact = await create(db, clock, person("Dana", "Reyes"))
    callback_id, interaction_id = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as session:
        await contacts.add_history(
            session,
            contact_id=contact.id,
            kind=ContactHistoryKind.CALLBACK,
            text="callback requested on the web",
            now=clock.now(),
            callback_id=callback_id,
        )
        clock.advance(timedelta(minutes=3))
        await contacts.add_history(
            session,
            contact_id=contact.id,
            kind=ContactHistoryKind.DISPOSITION,
            text="resolved",
            now=clock.now(),
            agent_login="amy",
            interaction_id=interaction_id,
            callback_id=callback_id,
        )
    async with db.transaction() as session:
        entries = await contacts.history(session, contact_id=contact.id)
        page_two = await contacts.history(session, contact_id=contact.id, limit=1, offset=1)
        missing = await refused(contacts.history(session, contact_id=uuid.UUID(int=99)))
    assert [(e.kind, e.text, e.at) for e in entries] == [
        (ContactHistoryKind.DISPOSITION, "resolved", clock.now()),
        (
            ContactHistoryKind.CALLBACK,
            "callback requested on the web",
            clock.now() - timedelta(minutes=3),
        ),
    ]
    assert entries[0].interaction_id == interaction_id and entries[0].callback_id == callback_id
    assert entries[1].interaction_id is None and entries[1].agent_login is None
    assert [e.kind for e in page_two] == [ContactHistoryKind.CALLBACK]
    assert missing.code == "contact-not-found" and missing.status == 404
