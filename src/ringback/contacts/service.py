"""Contact use cases. They take a session and never commit: the caller's unit of work does."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ringback.callbacks.phones import normalise_phone
from ringback.contacts import repository
from ringback.contacts.models import (
    Contact,
    ContactEmail,
    ContactHistory,
    ContactHistoryKind,
    ContactPhone,
)
from ringback.contacts.normalise import email_key, fold, normalise_email, split_name
from ringback.contacts.repository import Match
from ringback.contacts.schemas import ContactCreate, ContactUpdate, EmailIn, PhoneIn
from ringback.db import lock_key, new_id
from ringback.errors import RingbackError, conflict, invalid, not_found

log = structlog.get_logger(__name__)

DEFAULT_REGION = "US"
MAX_PAGE = 100
# What may appear in a number typed by hand: "+1 (212) 555-0142", "06.12.34.56.78".
_PHONE_ENTRY = re.compile(r"^\+?[\d\s().\-/]+$")


@dataclass(frozen=True)
class ContactSearch:
    contacts: Sequence[Contact]
    next_offset: int | None
    match: Match  # how the entry was read


def read_entry(entry: str) -> Match:
    """Whether a search box entry is an e-mail address, a phone number or a name."""
    if "@" in entry:
        return Match.EMAIL
    if _PHONE_ENTRY.match(entry.strip()) and sum(c.isdigit() for c in entry) >= 3:
        return Match.PHONE
    return Match.NAME


async def search_contacts(
    session: AsyncSession,
    *,
    query: str,
    region: str = DEFAULT_REGION,
    limit: int = 20,
    offset: int = 0,
) -> ContactSearch:
    """Live contacts by name (any part, any case, accents ignored), phone (any format) or e-mail.

    An empty query lists every live contact by name.
    """
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    match = read_entry(query)
    number: str | None = None
    if match is Match.PHONE:
        digits = "".join(c for c in query if c.isdigit())
        try:
            number = normalise_phone(query, region)
        except RingbackError:
            number = None  # a partial number is still found by its digits
        # A national number with a trunk prefix ("06 12 ...") is found through its E.164 form;
        # a partial one ("555 0142") by the digits every stored number contains.
        terms = [] if number is not None and digits.startswith("0") else [digits]
    elif match is Match.EMAIL:
        terms = [email_key(query.strip())]
    else:
        terms = fold(query).split()
    found = await repository.search(
        session, match=match, terms=terms, number=number, limit=limit + 1, offset=offset
    )
    more = len(found) > limit
    return ContactSearch(found[:limit], offset + limit if more else None, match)


async def get_contact(session: AsyncSession, *, contact_id: uuid.UUID) -> Contact:
    """A contact, merged or not (a merged one tells which contact it went into)."""
    contact = await repository.get(session, contact_id)
    if contact is None:
        raise not_found("contact-not-found", f"there is no contact {contact_id}")
    return contact


async def live_contact(session: AsyncSession, *, contact_id: uuid.UUID) -> Contact:
    """The contact itself, or the one it was merged into."""
    contact = await repository.get(session, contact_id)
    if contact is not None and contact.merged_into is not None:
        contact = await repository.get(session, contact.merged_into)
    if contact is None:
        raise not_found("contact-not-found", f"there is no contact {contact_id}")
    return contact


async def create_contact(
    session: AsyncSession,
    *,
    request: ContactCreate,
    now: datetime,
    region: str = DEFAULT_REGION,
) -> Contact:
    """Store a new contact; a number another contact already has is refused (``phone-in-use``)."""
    _require_name(request.first_name, request.last_name, phones=request.phones)
    phones = await _claim_phones(session, request.phones, region=region, owner=None)
    contact = Contact(id=new_id(), created_at=now, updated_at=now)
    _set_names(contact, request.first_name, request.last_name)
    contact.phones = [
        ContactPhone(number=number, label=label, position=position)
        for position, (number, label) in enumerate(phones)
    ]
    contact.emails = [
        ContactEmail(address=address, address_key=email_key(address), label=label, position=i)
        for i, (address, label) in enumerate(_emails(request.emails))
    ]
    session.add(contact)
    await session.flush()
    return contact


async def edit_contact(
    session: AsyncSession,
    *,
    contact_id: uuid.UUID,
    request: ContactUpdate,
    now: datetime,
    region: str = DEFAULT_REGION,
) -> Contact:
    """Replace the names, numbers or addresses given; the others stay as they are."""
    contact = await repository.get(session, contact_id, for_update=True)
    if contact is None:
        raise not_found("contact-not-found", f"there is no contact {contact_id}")
    _refuse_merged(contact)
    first = contact.first_name if request.first_name is None else request.first_name
    last = contact.last_name if request.last_name is None else request.last_name
    phones_in = request.phones
    if phones_in is None:
        phones_in = [PhoneIn(number=p.number, label=p.label) for p in contact.phones]
    _require_name(first, last, phones=phones_in)
    _set_names(contact, first, last)
    if request.phones is not None:
        phones = await _claim_phones(session, request.phones, region=region, owner=contact.id)
        _replace_phones(contact, phones)
    if request.emails is not None:
        _replace_emails(contact, _emails(request.emails))
    contact.updated_at = now
    await session.flush()
    edited = await repository.get(session, contact.id)  # numbers and addresses in their new order
    assert edited is not None
    return edited


async def merge_contacts(
    session: AsyncSession,
    *,
    source_id: uuid.UUID,
    target_id: uuid.UUID,
    agent_login: str | None,
    now: datetime,
) -> Contact:
    """Merge the source into the target: its numbers, addresses and history move over.

    The source stays (old references to it resolve through ``merged_into``) but is no longer
    found by search. Returns the target as it is now.
    """
    if source_id == target_id:
        raise invalid(
            "merge-into-self", "a contact cannot be merged into itself", field="source_id"
        )
    await repository.lock_pair(session, source_id, target_id)
    source = await repository.get(session, source_id)
    target = await repository.get(session, target_id)
    if source is None:
        raise not_found("contact-not-found", f"there is no contact {source_id}")
    if target is None:
        raise not_found("contact-not-found", f"there is no contact {target_id}")
    if target.merged_into is not None:
        raise conflict(
            "contact-merged",
            f"contact {target_id} was merged into {target.merged_into}; merge into that one",
            merged_into=str(target.merged_into),
        )
    if source.merged_into is not None:
        raise conflict(
            "contact-merged",
            f"contact {source_id} was already merged into {source.merged_into}",
            merged_into=str(source.merged_into),
        )
    await repository.move_channels(session, source=source, target=target)
    await repository.move_history(session, source_id=source.id, target_id=target.id)
    await repository.redirect_merged(session, source_id=source.id, target_id=target.id)
    source.merged_into = target.id
    source.updated_at = target.updated_at = now
    if not target.first_name and not target.last_name:
        _set_names(target, source.first_name, source.last_name)
    session.add(
        ContactHistory(
            contact_id=target.id,
            at=now,
            kind=ContactHistoryKind.MERGE,
            agent_login=agent_login,
            text=f"merged {source.display_name or 'contact'} ({source.id}) into this contact",
        )
    )
    await session.flush()
    log.info(f"contact {source.id} merged into {target.id}")
    merged = await repository.get(session, target.id)
    assert merged is not None
    return merged


async def contact_for_phone(
    session: AsyncSession,
    *,
    phone: str,
    name: str | None,
    now: datetime,
    region: str = DEFAULT_REGION,
) -> Contact:
    """The live contact owning ``phone``, or a new one named ``name`` that owns it.

    A contact known only by its number takes ``name``; a named one keeps its own. This is how
    a callback request finds its contact; concurrent requests for the same new number create
    one contact, not two.
    """
    number = normalise_phone(phone, region)
    await lock_key(session, number_lock(number))
    owner = await repository.owner_of_number(session, number)
    first, last = split_name(name)
    if owner is not None:
        contact = await live_contact(session, contact_id=owner)
        if not contact.display_name and (first or last):
            # Known until now only by number (an IVR caller): the name is news, not a conflict.
            _set_names(contact, first, last)
            contact.updated_at = now
        return contact
    contact = Contact(id=new_id(), created_at=now, updated_at=now)
    _set_names(contact, first, last)
    contact.phones = [ContactPhone(number=number, label="", position=0)]
    contact.emails = []
    session.add(contact)
    await (
        session.flush()
    )  # before the rows that point at it: they have no relationship to order them
    return contact


async def add_history(
    session: AsyncSession,
    *,
    contact_id: uuid.UUID,
    kind: ContactHistoryKind,
    text: str,
    now: datetime,
    agent_login: str | None = None,
    interaction_id: uuid.UUID | None = None,
    callback_id: uuid.UUID | None = None,
    email_message_id: uuid.UUID | None = None,
    live: bool = False,
) -> ContactHistory:
    """Append an entry to the history of the contact (or of the one it was merged into).

    ``live``: the caller holds the live contact (it just found or made it), so it is not looked
    up again. The entry is written with the unit of work; its id is known after the commit.
    """
    if not live:
        found = await repository.live_id(session, contact_id)
        if found is None:
            raise not_found("contact-not-found", f"there is no contact {contact_id}")
        contact_id = found
    entry = ContactHistory(
        contact_id=contact_id,
        at=now,
        kind=kind,
        interaction_id=interaction_id,
        callback_id=callback_id,
        email_message_id=email_message_id,
        agent_login=agent_login,
        text=text,
    )
    session.add(entry)
    return entry


async def history(
    session: AsyncSession, *, contact_id: uuid.UUID, limit: int = 50, offset: int = 0
) -> Sequence[ContactHistory]:
    """What happened with a contact, newest first (a merged contact's went to its target)."""
    await get_contact(session, contact_id=contact_id)
    limit = max(1, min(limit, MAX_PAGE))
    return await repository.history(session, contact_id, limit=limit, offset=max(0, offset))


def number_lock(number: str) -> str:
    """The lock key of a phone number: its contact, and the callbacks asked for it."""
    return f"contact-phone:{number}"


def _set_names(contact: Contact, first: str, last: str) -> None:
    contact.first_name, contact.last_name = first.strip(), last.strip()
    contact.first_key, contact.last_key = fold(first), fold(last)
    contact.name_key = fold(f"{first} {last}")


def _require_name(first: str, last: str, *, phones: Sequence[PhoneIn]) -> None:
    # A contact found by number alone may be nameless; one typed in by an agent needs a handle.
    if not first.strip() and not last.strip() and not phones:
        raise invalid(
            "contact-name-required", "a contact needs a name or a phone number", field="last_name"
        )


def _refuse_merged(contact: Contact) -> None:
    if contact.merged_into is not None:
        raise conflict(
            "contact-merged",
            f"contact {contact.id} was merged into {contact.merged_into}; edit that one",
            merged_into=str(contact.merged_into),
        )


async def _claim_phones(
    session: AsyncSession, phones: Sequence[PhoneIn], *, region: str, owner: uuid.UUID | None
) -> list[tuple[str, str]]:
    """Normalised (number, label) pairs, each locked and checked free for ``owner``."""
    claimed: list[tuple[str, str]] = []
    for index, phone in enumerate(phones):
        number = normalise_phone(phone.number, region, field=f"phones[{index}].number")
        if any(number == seen for seen, _ in claimed):
            raise invalid(
                "duplicate-phone", f"{number} is listed twice", field=f"phones[{index}].number"
            )
        claimed.append((number, phone.label.strip()))
    # Lock in a fixed order so that two edits swapping numbers cannot deadlock.
    for number in sorted(number for number, _ in claimed):
        await lock_key(session, number_lock(number))
        holder = await repository.owner_of_number(session, number)
        if holder is not None and holder != owner:
            raise conflict(
                "phone-in-use",
                f"{number} already belongs to contact {holder}",
                field="phones",
                contact_id=str(holder),
            )
    return claimed


def _emails(emails: Sequence[EmailIn]) -> list[tuple[str, str]]:
    checked: list[tuple[str, str]] = []
    for index, email in enumerate(emails):
        address = normalise_email(email.address, field=f"emails[{index}].address")
        if any(email_key(address) == email_key(seen) for seen, _ in checked):
            raise invalid(
                "duplicate-email", f"{address} is listed twice", field=f"emails[{index}].address"
            )
        checked.append((address, email.label.strip()))
    return checked


def _replace_phones(contact: Contact, phones: list[tuple[str, str]]) -> None:
    # Kept numbers keep their rows: deleting and re-inserting one would trip its unique index
    # (the unit of work inserts before it deletes).
    rows = {row.number: row for row in contact.phones}
    wanted = [number for number, _ in phones]
    for gone in [row for row in contact.phones if row.number not in wanted]:
        contact.phones.remove(gone)
    for position, (number, label) in enumerate(phones):
        kept = rows.get(number)
        if kept is None:
            contact.phones.append(ContactPhone(number=number, label=label, position=position))
        else:
            kept.label, kept.position = label, position


def _replace_emails(contact: Contact, emails: list[tuple[str, str]]) -> None:
    rows = {row.address_key: row for row in contact.emails}
    wanted = {email_key(address) for address, _ in emails}
    for gone in [row for row in contact.emails if row.address_key not in wanted]:
        contact.emails.remove(gone)
    for position, (address, label) in enumerate(emails):
        kept = rows.get(email_key(address))
        if kept is None:
            contact.emails.append(
                ContactEmail(
                    address=address, address_key=email_key(address), label=label, position=position
                )
            )
        else:
            kept.address, kept.label, kept.position = address, label, position
