"""Webhooks end to end: `ringback serve` in a process of its own delivers to real receivers on
loopback, signed (checked with standardwebhooks against the wall clock), to an endpoint of the
configuration file and to one made through the API; a receiver that is down when the node is
killed gets everything once both are back; a callback past its service's limit expires and
says so; no secret reaches the log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import prepare
from tests.e2e.process import ringback_node
from tests.support import TEST_CONFIG
from tests.webhooks.receiver import Receiver, free_port, listening

from ringback.callbacks import service as callbacks
from ringback.callbacks.schemas import CallbackCreate
from ringback.db import Database
from ringback.webhooks.config import new_secret

pytestmark = pytest.mark.e2e
FILE_SECRET = new_secret()


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


@pytest.fixture
def fast_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The node looks for expired callbacks twice a second (a minute by default)."""
    monkeypatch.setenv("RINGBACK_EXPIRY_INTERVAL_SECONDS", "0.5")
    monkeypatch.setenv("RINGBACK_WEBHOOK_TIMEOUT_SECONDS", "2")


@pytest.fixture
def file_receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver(FILE_SECRET)
    with listening(hook) as url:
        yield hook, url


def configuration(url: str) -> str:
    expiring = TEST_CONFIG.replace(
        'name = "anytime"\n', 'name = "anytime"\nexpire_after_hours = 1\n'
    )
    return (
        expiring
        + f'''
[[webhooks]]
name = "data-warehouse"
url = "{url}"
secret = "{FILE_SECRET}"
event_types = ["callback.created", "callback.expired", "callback.cancelled"]
services = ["anytime"]
'''
    )


def ask_long_ago(database_url: str, hours: float) -> str:
    """A callback asked for ``hours`` ago (as if it had waited all this time)."""

    async def work() -> str:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                made = await callbacks.create_callback(
                    session,
                    request=CallbackCreate(service="anytime", phone="+44 20 7946 0899"),
                    caller=callbacks.Caller(actor="test"),
                    now=datetime.now(UTC) - timedelta(hours=hours),
                )
            return str(made.callback.id)
        finally:
            await db.dispose()

    return asyncio.run(work())


def test_a_node_delivers_to_the_files_and_the_apis_endpoints_across_a_crash(
    database_url: str,
    tmp_path: Path,
    fast_sweeps: None,
    file_receiver: tuple[Receiver, str],
) -> None:
    file_hook, file_url = file_receiver
    keys = prepare(database_url, config=configuration(file_url))
    # Asked for before the node started, 70 minutes ago: due to expire at the first sweep.
    stale = ask_long_ago(database_url, hours=70 / 60)
    api_hook = Receiver(new_secret())
    api_port = free_port()
    log = tmp_path / "node.log"
    with ringback_node(database_url, log_level="info", log=log) as node:
        crm = httpx.Client(
            base_url=node.url, headers={"Authorization": f"Bearer {keys['all']}"}, timeout=10
        )
        with crm:
            made = crm.post(
                "/api/v1/webhooks/endpoints",
                json={"url": f"http://127.0.0.1:{api_port}/hook", "description": "CRM"},
            )
            assert made.status_code == 201, made.text
            api_hook.secrets = [made.json()["secret"]]
            endpoint_id = made.json()["id"]

            wait_for(lambda: file_hook.types() == ["callback.created", "callback.expired"])
            assert [r.callback["id"] for r in file_hook.received] == [stale, stale]
            assert file_hook.received[1].callback["state"] == "expired"
            assert file_hook.received[1].payload["data"]["change"]["event"] == "expire"

            # The API's endpoint is down: its deliveries fail and wait.
            asked = crm.post(
                "/api/v1/callbacks", json={"service": "anytime", "phone": "+44 20 7946 0898"}
            ).json()
            cancelled = crm.post(f"/api/v1/callbacks/{asked['id']}/cancel").json()
            wait_for(
                lambda: (
                    crm.get(f"/api/v1/webhooks/endpoints/{endpoint_id}").json()["failing_since"]
                    is not None
                )
            )
            wait_for(lambda: len(file_hook.received) == 4)
            assert file_hook.types()[2:] == ["callback.created", "callback.cancelled"]
        node.kill()  # the machine dies with deliveries waiting

    with (
        listening(api_hook, port=api_port),
        ringback_node(database_url, log=tmp_path / "after.log"),
    ):
        # The retry is due 10 s after the first failure: everything the endpoint missed arrives.
        wait_for(
            lambda: sum(r.callback["id"] == asked["id"] for r in api_hook.received) == 2,
            timeout=60,
        )
    assert api_hook.forged == 0 and file_hook.forged == 0
    # The stale callback's expiry too, if it came after the endpoint was made; then, in order,
    # the callback asked for while the receiver was down.
    missed = [r for r in api_hook.received if r.callback["id"] == asked["id"]]
    assert [r.type for r in missed] == ["callback.created", "callback.cancelled"]
    # As the Callback API answered, but for the customer's link, which only its answers carry.
    assert missed[1].callback == cancelled | {"manage_url": None}
    assert len(file_hook.received) == 4  # the file's endpoint got nothing twice

    text = log.read_text()
    assert "whsec_" not in text
    assert FILE_SECRET not in text and api_hook.secrets[0] not in text
