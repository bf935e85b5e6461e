"""The agent desktop in a real browser: Debian's Chromium, driven by Playwright, against a real
`ringback serve` process with the simulated switch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.e2e.conftest import PASSWORD, free_port, prepare
from tests.support import ALWAYS_OPEN

from ringback import migrations

CHROMIUM = os.environ.get("RINGBACK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Assertions wait as long as actions do: the machines are shared and slow at times.
expect.set_options(timeout=10_000)
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

# Voice services with a disposition tree, a web callback service, a preview service, a short
# offer timeout; customers answer after half a second, so Dialing and Ringing can be seen.
DESKTOP_CONFIG = """
[[queues]]
name = "cards"
skills = ["cards"]

[[services]]
name = "cards"
display_name = "Card services"
queue = "cards"
time_zone = "America/New_York"
default_region = "US"
calling_window = "00:00-24:00"
slot_minutes = 15
slot_capacity = 2
min_lead_minutes = 0
disposition_required = true
dispositions = ["resolved", "follow-up"]
after_call_work_seconds = 2
offer_timeout_seconds = 30
[services.office_hours]
<always open>
[[services]]
name = "quick"
display_name = "Quick line"
queue = "cards"
time_zone = "Europe/London"
default_region = "GB"
calling_window = "00:00-24:00"
offer_timeout_seconds = 5
types = ["immediate", "delayed"]
[services.office_hours]
<always open>
[[services]]
name = "web-enquiries"
display_name = "Web enquiries"
queue = "cards"
channel = "webcallback"
time_zone = "Europe/Paris"
default_region = "FR"
calling_window = "00:00-24:00"
slot_minutes = 30
slot_capacity = 3
min_lead_minutes = 0
disposition_required = true
dispositions = ["resolved", "follow-up"]
after_call_work_seconds = 0
offer_timeout_seconds = 30
[services.preview]
enabled = true
fields = ["name", "phone", "data.topic", "data.availability", "instructions"]
[services.office_hours]
<always open>
[[services]]
name = "advice"
display_name = "Advice with preview"
queue = "cards"
time_zone = "UTC"
default_region = "GB"
calling_window = "00:00-24:00"
min_lead_minutes = 0
types = ["immediate", "delayed"]
delay_minutes = 0
offer_timeout_seconds = 30
[services.preview]
enabled = true
fields = ["name", "phone", "desired_time", "data.account"]
[services.office_hours]
<always open>
[[dispositions]]
code = "resolved"
label = "Resolved"
[[dispositions.children]]
code = "resolved.first-call"
label = "Resolved on this call"
[[dispositions]]
code = "follow-up"
label = "Follow-up needed"

[[not_ready_reasons]]
code = "break"
label = "Break"
[[not_ready_reasons]]
code = "lunch"
label = "Lunch"

[[responses]]
code = "greeting"
category = "Opening"
title = "Greeting"
text = "Hello {contact.first_name}, this is {agent.name} from {service.name}."

[[agents]]
login = "ada"
name = "Ada Lovelace"
place = "1001"
skills = ["cards"]

[[agents]]
login = "bob"
name = "Bob Marley"
place = "1002"
skills = ["cards"]

[[agents]]
login = "sue"
name = "Sue Pervisor"
place = "1009"
roles = ["agent", "supervisor"]

[[routing_points]]
name = "fraud-desk"
description = "Fraud investigation team"

[simulated_switch]
[[simulated_switch.numbers]]
pattern = "+1212555015*"
behaviour = "busy"
ring_seconds = 0.5
[[simulated_switch.numbers]]
pattern = "+1212555019*"
behaviour = "answer"
ring_seconds = 0.5
hangup_after_seconds = 2
[[simulated_switch.numbers]]
pattern = "+*"
behaviour = "answer"
ring_seconds = 0.8
[[simulated_switch.targets]]
pattern = "+44*"
behaviour = "decline"
ring_seconds = 0.5
[[simulated_switch.targets]]
pattern = "*"
behaviour = "accept"
ring_seconds = 0.8
""".replace("<always open>\n", ALWAYS_OPEN)


@dataclass
class DesktopServer:
    """`ringback serve` in its own process, on a file database of this test."""

    database_url: str
    keys: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    settings: dict[str, str] = field(default_factory=dict)  # RINGBACK_* for the next start
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "RINGBACK_SCHEDULER_MAX_SLEEP_SECONDS": "0.2", **self.settings}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ringback", "serve", "--db", self.database_url,
                 "--port", str(self.port), "--log-level", "warning"],
                stdout=log, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        # As long as tests.e2e.process allows: a loaded machine starts Python slowly.
        deadline = time.monotonic() + 60
        try:
            while True:
                assert self.process.poll() is None, f"the server exited:\n{self.log.read_text()}"
                try:
                    if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not become ready"
                time.sleep(0.1)
        except BaseException:
            # The fixture never reaches stop(): leave no server running into the next test.
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def ask_callback(self, **body: Any) -> dict[str, Any]:
        """A customer asks for a callback through the Callback API."""
        answer = httpx.post(
            f"{self.url}/api/v1/callbacks",
            json=body,
            headers={"Authorization": f"Bearer {self.keys['all']}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def callback(self, callback_id: str) -> dict[str, Any]:
        answer = httpx.get(
            f"{self.url}/api/v1/callbacks/{callback_id}",
            headers={"Authorization": f"Bearer {self.keys['all']}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium` (or set RINGBACK_TEST_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def desktop_config() -> str:
    """The configuration the desktop's server runs with; a module overrides it to change it."""
    return DESKTOP_CONFIG


@pytest.fixture
def desktop(tmp_path: Path, desktop_config: str) -> Iterator[DesktopServer]:
    database_url = f"sqlite:///{tmp_path / 'desktop.db'}"
    migrations.upgrade(database_url)
    # Playwright's sync API keeps an event loop in this thread: set up in another one.
    with ThreadPoolExecutor(1) as worker:
        keys = worker.submit(prepare, database_url, desktop_config, {"all": (["*"], None)}).result()
    server = DesktopServer(database_url, keys, tmp_path / "server.log")
    server.start()
    yield server
    server.stop()


OpenDesk = Callable[..., Page]


@pytest.fixture
def open_desk(
    browser: Browser, desktop: DesktopServer, request: pytest.FixtureRequest
) -> Iterator[OpenDesk]:
    """Sign an agent in, in a browser window of their own; each window is saved as a screenshot."""
    pages: list[tuple[str, Page]] = []

    def open_desk(
        login: str,
        *,
        path: str = "/",
        width: int = 1280,
        height: int = 800,
        timezone_id: str | None = None,
        init_script: str | None = None,
        permissions: list[str] | None = None,
    ) -> Page:
        """``timezone_id``: the browser's (the agent's) zone; by default the host's (UTC in CI).
        ``init_script`` runs in every page before the desk's own code (to watch browser APIs);
        ``permissions``: what the agent allowed the page (e.g. ``notifications``)."""
        context = browser.new_context(
            viewport={"width": width, "height": height},
            timezone_id=timezone_id,
            permissions=permissions,
        )
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(desktop.url + path)
        page.get_by_label("Login").fill(login)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        pages.append((login, page))
        return page

    yield open_desk
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for login, page in pages:
        page.screenshot(path=ARTIFACTS / f"{name}-{login}.png", full_page=True)
        page.context.close()


def set_status(page: Page, channel: str, status: str) -> None:
    """Choose a status in My Status (``channel`` as labelled: Voice, Web Callback)."""
    page.get_by_label(f"{channel} status").select_option(label=status)
    expect(page.get_by_label(f"{channel} status")).to_have_value(re.compile(".+"))


def notification(page: Page, customer: str) -> Any:
    return page.get_by_role("alertdialog", name=re.compile(customer))


def call_status(page: Page) -> Any:
    return page.get_by_role("status", name="Call Status")
