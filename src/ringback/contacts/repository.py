"""Every SQL statement about contacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import ColumnElement, case, delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ringback.contacts.models import Contact, ContactEmail, ContactHistory, ContactPhone


class Match(StrEnum):
    """What a search box entry is taken to be."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"


async def get(
    session: AsyncSession, contact_id: uuid.UUID, *, for_update: bool = False
) -> Contact | None:
    """A contact with its numbers and addresses loaded (fresh from the database)."""
    query = (
        select(Contact)
        .where(Contact.id == contact_id)
        .options(selectinload(Contact.phones), selectinload(Contact.emails))
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Contact)
    return (await session.scalars(query)).first()


async def lock_pair(session: AsyncSession, first: uuid.UUID, second: uuid.UUID) -> None:
    """Lock two contacts in id order, so two opposite merges cannot deadlock."""
    await session.execute(
        select(Contact.id)
        .where(Contact.id.in_([first, second]))
        .order_by(Contact.id)
        .with_for_update()
    )


async def live_id(session: AsyncSession, contact_id: uuid.UUID) -> uuid.UUID | None:
    """The contact's id, or the id of the contact it was merged into; None if unknown."""
    return await session.scalar(
        select(func.coalesce(Contact.merged_into, Contact.id)).where(Contact.id == contact_id)
    )


async def owner_of_number(session: AsyncSession, number: str) -> uuid.UUID | None:
    """The contact holding an E.164 number (merged contacts hold none)."""
    return await session.scalar(
        select(ContactPhone.contact_id).where(ContactPhone.number == number)
    )


async def search(
    session: AsyncSession,
    *,
    match: Match,
    terms: Sequence[str],
    number: str | None,
    limit: int,
    offset: int,
) -> Sequence[Contact]:
    """Live contacts matching, best first (exact or prefix matches first), then by name.

    ``terms`` are folded (see normalise.fold): for a name, a contact matches when its full name
    contains every term; for a phone, the one term is digits a number contains; for an e-mail,
    the one term is part of an address. ``number`` is an E.164 number to match exactly.
    """
    query = select(Contact).where(Contact.merged_into.is_(None))
    rank: ColumnElement[int] | None = None
    if match is Match.NAME and terms:
        for term in terms:
            query = query.where(Contact.name_key.contains(term, autoescape=True))
        whole = " ".join(terms)
        rank = case(
            (
                or_(
                    Contact.name_key.startswith(whole, autoescape=True),
                    Contact.last_key.startswith(whole, autoescape=True),
                ),
                0,
            ),
            (
                or_(
                    Contact.first_key.startswith(terms[0], autoescape=True),
                    Contact.last_key.startswith(terms[0], autoescape=True),
                ),
                1,
            ),
            else_=2,
        )
    elif match is Match.PHONE:
        conditions = [ContactPhone.number.contains(term, autoescape=True) for term in terms]
        if number is not None:
            conditions.append(ContactPhone.number == number)
            exact = select(ContactPhone.contact_id).where(ContactPhone.number == number)
            rank = case((Contact.id.in_(exact), 0), else_=1)
        query = query.where(
            Contact.id.in_(select(ContactPhone.contact_id).where(or_(false(), *conditions)))
        )
    elif match is Match.EMAIL and terms:
        found = select(ContactEmail.contact_id).where(
            ContactEmail.address_key.contains(terms[0], autoescape=True)
        )
        exact = select(ContactEmail.contact_id).where(ContactEmail.address_key == terms[0])
        query = query.where(Contact.id.in_(found))
        rank = case((Contact.id.in_(exact), 0), else_=1)
    order = [Contact.last_key, Contact.first_key, Contact.id]
    query = (
        query.order_by(*([rank] if rank is not None else []), *order)
        .options(selectinload(Contact.phones), selectinload(Contact.emails))
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


async def move_channels(session: AsyncSession, *, source: Contact, target: Contact) -> None:
    """Give the source's numbers and addresses to the target, after the target's own.

    Both contacts must be loaded with their channels. An address the target already has is
    dropped from the source rather than listed twice.
    """
    await session.execute(
        update(ContactPhone)
        .where(ContactPhone.contact_id == source.id)
        .values(contact_id=target.id, position=ContactPhone.position + len(target.phones))
        .execution_options(synchronize_session=False)
    )
    known = [email.address_key for email in target.emails]
    await session.execute(
        delete(ContactEmail)
        .where(ContactEmail.contact_id == source.id, ContactEmail.address_key.in_(known))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(ContactEmail)
        .where(ContactEmail.contact_id == source.id)
        .values(contact_id=target.id, position=ContactEmail.position + len(target.emails))
        .execution_options(synchronize_session=False)
    )


async def move_history(
    session: AsyncSession, *, source_id: uuid.UUID, target_id: uuid.UUID
) -> None:
    await session.execute(
        update(ContactHistory)
        .where(ContactHistory.contact_id == source_id)
        .values(contact_id=target_id)
        .execution_options(synchronize_session=False)
    )


async def redirect_merged(
    session: AsyncSession, *, source_id: uuid.UUID, target_id: uuid.UUID
) -> None:
    """Contacts merged earlier into the source now point at the target: one hop, never a chain."""
    await session.execute(
        update(Contact)
        .where(Contact.merged_into == source_id)
        .values(merged_into=target_id)
        .execution_options(synchronize_session=False)
    )


async def history(
    session: AsyncSession, contact_id: uuid.UUID, *, limit: int, offset: int
) -> Sequence[ContactHistory]:
    """Newest first."""
    return (
        await session.scalars(
            select(ContactHistory)
            .where(ContactHistory.contact_id == contact_id)
            .order_by(ContactHistory.at.desc(), ContactHistory.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()


async def count(session: AsyncSession) -> int:
    """Live contacts (for gauges and tests)."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Contact).where(Contact.merged_into.is_(None))
        )
        or 0
    )


async def merged_into(session: AsyncSession, contact_id: uuid.UUID) -> Sequence[uuid.UUID]:
    """The contacts that were merged into this one."""
    return (
        await session.scalars(select(Contact.id).where(Contact.merged_into == contact_id))
    ).all()
