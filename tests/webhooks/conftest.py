"""Webhook fixtures: a clock that starts at the real time (receivers check timestamps against
the wall clock), an API key, an endpoint served by a receiver on loopback, the delivery loop;
and helpers that ask for a callback, cancel it, and read the deliveries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from tests.webhooks.receiver import Receiver, listening

from ringback.apikeys.service import create_key
from ringback.callbacks import service as callbacks
from ringback.callbacks.models import Callback
from ringback.callbacks.schemas import CallbackCreate
from ringback.callbacks.service import Caller
from ringback.clock import ManualClock
from ringback.db import Database
from ringback.metrics import Metrics
from ringback.settings import Settings
from ringback.webhooks import service
from ringback.webhooks.config import new_secret
from ringback.webhooks.dispatcher import WebhookDispatcher
from ringback.webhooks.models import WebhookDelivery, WebhookEndpoint
from ringback.webhooks.schemas import EndpointCreate

TIMEOUT = 0.5  # seconds a receiver may take
# When a delivery that always fails is tried, in seconds after its first attempt: the documented
# schedule for a day, the last attempt at the day's end.
DAY_OF_ATTEMPTS = [0, 10, 40, 130, 400, 1210, 3640, 10930, 25330, 39730, 54130, 68530, 82930, 86400]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def integrator(configured_db: Database, clock: ManualClock) -> Caller:
    """An API key for every service, as the Callback API's caller."""
    async with configured_db.transaction() as session:
        issued = await create_key(session, name="crm", services=["*"], now=clock.now())
    return Caller(actor="api-key:crm", api_key_id=issued.key.id, services=None)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """A healthy receiver and its URL."""
    hook = Receiver(new_secret())
    with listening(hook) as url:
        yield hook, url


async def subscribe(
    db: Database, clock: ManualClock, caller: Caller, url: str, secret: str, **fields: object
) -> WebhookEndpoint:
    async with db.transaction() as session:
        return await service.create_endpoint(
            session,
            request=EndpointCreate.model_validate({"url": url, "secret": secret, **fields}),
            caller=caller,
            now=clock.now(),
        )


@dataclass
class Node:
    """One node's delivery loop, driven pass by pass."""

    dispatcher: WebhookDispatcher
    metrics: Metrics

    async def deliver(self) -> int:
        """Pass after pass, each waiting for its sends, until a pass sends nothing (what is
        left waits for a later time); returns how many were sent."""
        sent = 0
        for _ in range(50):
            started = await self.dispatcher.run_once()
            await self.dispatcher.wait_idle()
            if not started:
                return sent
            sent += started
        raise AssertionError("deliveries keep coming")


@pytest.fixture
async def node(configured_db: Database, clock: ManualClock) -> AsyncIterator[Node]:
    metrics = Metrics()
    settings = Settings(database_url=configured_db.url, webhook_timeout_seconds=TIMEOUT)
    dispatcher = WebhookDispatcher(configured_db, clock, settings, metrics)
    yield Node(dispatcher, metrics)
    await dispatcher.close()


async def ask(
    db: Database, clock: ManualClock, caller: Caller, phone: str, **fields: object
) -> Callback:
    body = {"service": "anytime", "phone": phone, "name": "Dana", **fields}
    async with db.transaction() as session:
        created = await callbacks.create_callback(
            session, request=CallbackCreate.model_validate(body), caller=caller, now=clock.now()
        )
    return created.callback


async def cancel(db: Database, clock: ManualClock, caller: Caller, callback_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        await callbacks.cancel_callback(
            session, callback_id=callback_id, caller=caller, now=clock.now(), reason="by phone"
        )


async def deliveries(db: Database) -> list[WebhookDelivery]:
    async with db.transaction() as session:
        return list(
            (await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
        )
