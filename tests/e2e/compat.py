"""A real ``ringback serve`` for the compatibility surfaces' end-to-end tests: the test
configuration with queue aliases, API keys with their OAuth clients, clients of each surface."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.e2e.conftest import KEYS, RunningServer, free_port, prepare
from tests.e2e.process import ringback_process
from tests.support import TEST_CONFIG

from ringback.compat.credentials import OAuthClient, client_for_key

# A Genesys Cloud queue id, as an integration already sends it, standing for "anytime".
QUEUE_ID = "5f1e2d3c-4b5a-4987-8d6e-0a1b2c3d4e5f"
COMPAT_CONFIG = TEST_CONFIG.replace(
    'name = "anytime"\n',
    f'name = "anytime"\naliases = ["{QUEUE_ID}", "callback-anytime"]\nexpire_after_hours = 48\n',
)
assert COMPAT_CONFIG != TEST_CONFIG


@dataclass
class CompatServer:
    url: str
    keys: dict[str, str]
    database_url: str

    def oauth(self, key: str = "all") -> OAuthClient:
        return client_for_key(self.keys[key])

    def basic(self, key: str = "all") -> dict[str, str]:
        client = self.oauth(key)
        pair = f"{client.client_id}:{client.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def client(self, key: str | None = "all") -> httpx.Client:
        """HTTP Basic with the key's OAuth client, as GMS integrations authenticate."""
        headers = self.basic(key) if key is not None else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def native(self, key: str = "all") -> httpx.Client:
        """Ringback's own Callback API, with the key as a bearer token."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[key]}"}, timeout=10
        )

    def running(self) -> RunningServer:
        """As the Workspace API helpers (tests.e2e.workspace) expect a server."""
        return RunningServer(self.url, self.keys, self.database_url)


@contextmanager
def compat_server(
    database_url: str, log: Path, *, options: tuple[str, ...] = ()
) -> Iterator[CompatServer]:
    """``ringback serve`` on a prepared database, with ``options`` on its command line."""
    keys = prepare(database_url, config=COMPAT_CONFIG, keys=KEYS)
    command = ["serve", "--db", database_url, "--log-level", "warning", *options]
    with ringback_process(command, port=free_port(), log=log) as running:
        yield CompatServer(running.url, keys, database_url)
