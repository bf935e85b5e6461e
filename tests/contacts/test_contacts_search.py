"""Searching the directory: by name, number or address, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ringback.clock import ManualClock
from ringback.contacts import service as contacts
from ringback.contacts.repository import Match
from ringback.contacts.schemas import ContactCreate
from ringback.db import Database

pytestmark = pytest.mark.anyio

PEOPLE = [
    ("Hélène", "Dupont", ["+33 6 12 34 56 78"], ["helene.dupont@banque.example"]),
    ("Marie", "Dupont-Lajoie", ["+33 1 42 68 53 00"], []),
    ("Dana", "Reyes", ["(212) 555-0142"], ["Dana.Reyes@Example.com"]),
    ("Daniel", "Okafor", ["(646) 555-0199"], ["dan@okafor.example"]),
    ("Amadou", "Daniels", ["+44 20 7946 0018"], []),
    ("Zoë", "O'Brien", [], ["zoe@obrien.example"]),
    ("Percy", "100% Sure_Ltd", [], []),
    ("Jordan", "Abbott", [], []),
]


@pytest.fixture
async def directory(db: Database, clock: ManualClock) -> Database:
    async with db.transaction() as session:
        for first, last, phones, emails in PEOPLE:
            await contacts.create_contact(
                session,
                request=ContactCreate(
                    first_name=first,
                    last_name=last,
                    phones=[{"number": n} for n in phones],  # type: ignore[misc]
                    emails=[{"address": a} for a in emails],  # type: ignore[misc]
                ),
                now=clock.now(),
            )
    return db


async def names(db: Database, query: str, **options: object) -> list[str]:
    async with db.transaction() as session:
        found = await contacts.search_contacts(session, query=query, **options)  # type: ignore[arg-type]
    return [contact.display_name for contact in found.contacts]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dupont", ["Hélène Dupont", "Marie Dupont-Lajoie"]),
        ("DUPONT", ["Hélène Dupont", "Marie Dupont-Lajoie"]),
        ("helene", ["Hélène Dupont"]),  # accents do not matter
        ("HÉLÈNE", ["Hélène Dupont"]),
        ("hél dup", ["Hélène Dupont"]),  # prefixes of first and last name
        ("dupont hélène", ["Hélène Dupont"]),  # in either order
        ("marie dupont-laj", ["Marie Dupont-Lajoie"]),  # the full name
        ("lajoie", ["Marie Dupont-Lajoie"]),  # inside a word
        ("zoe o'brien", ["Zoë O'Brien"]),
        ("nobody", []),
    ],
)
async def test_by_name_in_any_case_and_any_part(
    directory: Database, query: str, expected: list[str]
) -> None:
    assert await names(directory, query) == expected


async def test_names_starting_with_the_entry_come_before_names_containing_it(
    directory: Database,
) -> None:
    # "Dan" starts a first or a last name of three people, and is only inside Jordan's, who
    # comes last although Abbott is first in the alphabet.
    assert await names(directory, "dan") == [
        "Amadou Daniels",
        "Daniel Okafor",
        "Dana Reyes",
        "Jordan Abbott",
    ]
    assert await names(directory, "iel") == ["Amadou Daniels", "Daniel Okafor"]


async def test_like_wildcards_in_the_entry_are_plain_characters(directory: Database) -> None:
    assert await names(directory, "100%") == ["Percy 100% Sure_Ltd"]
    assert await names(directory, "e_l") == ["Percy 100% Sure_Ltd"]
    assert await names(directory, "%") == ["Percy 100% Sure_Ltd"]


@pytest.mark.parametrize(
    ("query", "region", "expected"),
    [
        ("(212) 555-0142", "US", ["Dana Reyes"]),
        ("+1 212 555 0142", "US", ["Dana Reyes"]),
        ("2125550142", "US", ["Dana Reyes"]),
        ("555-0142", "US", ["Dana Reyes"]),  # part of a number
        ("555", "US", ["Daniel Okafor", "Dana Reyes"]),
        ("06 12 34 56 78", "FR", ["Hélène Dupont"]),  # national format, with its trunk prefix
        ("+33612345678", "US", ["Hélène Dupont"]),
        ("020 7946 0018", "GB", ["Amadou Daniels"]),
        ("0000", "US", []),
    ],
)
async def test_by_phone_in_any_format(
    directory: Database, query: str, region: str, expected: list[str]
) -> None:
    assert sorted(await names(directory, query, region=region)) == sorted(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dana.reyes@example.com", ["Dana Reyes"]),
        ("DANA.REYES@EXAMPLE.COM", ["Dana Reyes"]),
        ("@okafor", ["Daniel Okafor"]),
        ("@banque.example", ["Hélène Dupont"]),
        ("nobody@example.com", []),
    ],
)
async def test_by_email(directory: Database, query: str, expected: list[str]) -> None:
    assert await names(directory, query) == expected


async def test_pages_cover_everyone_once_in_name_order(directory: Database) -> None:
    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        async with directory.transaction() as session:
            page = await contacts.search_contacts(session, query="", limit=3, offset=offset)
        seen += [c.display_name for c in page.contacts]
        offset = page.next_offset
        pages += 1
    assert pages == 3
    assert seen == [
        "Percy 100% Sure_Ltd",
        "Jordan Abbott",
        "Amadou Daniels",
        "Hélène Dupont",
        "Marie Dupont-Lajoie",
        "Zoë O'Brien",
        "Daniel Okafor",
        "Dana Reyes",
    ]


def test_an_entry_is_read_as_email_phone_or_name() -> None:
    assert contacts.read_entry("dana@example.com") is Match.EMAIL
    assert contacts.read_entry("+1 (212) 555-0142") is Match.PHONE
    assert contacts.read_entry("06.12.34.56.78") is Match.PHONE
    assert contacts.read_entry("12") is Match.NAME  # too short to be a number
    assert contacts.read_entry("Dana 2") is Match.NAME
