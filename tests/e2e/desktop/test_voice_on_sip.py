"""A voice callback in the browser on real SIP: the desk's node shares a switch service that
drives SIP through Kamailio, the agent's place is a baresip phone, and so is the customer."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import prepare
from tests.e2e.desktop.conftest import (
    DESKTOP_CONFIG,
    DesktopServer,
    OpenDesk,
    call_status,
    notification,
    set_status,
)
from tests.e2e.process import ringback_switch
from tests.e2e.test_sip_voice_callback import sip_config
from tests.sip.network import reserve_udp_ports

from ringback import migrations

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.sip]


@pytest.fixture
def desktop(tmp_path: Path, sip_registrar: Any) -> Iterator[DesktopServer]:
    """The desk's node, with its calls on SIP (this module's stand-in for the usual one)."""
    database_url = f"sqlite:///{tmp_path / 'desktop.db'}"
    migrations.upgrade(database_url)
    with ThreadPoolExecutor(1) as worker:  # Playwright's loop lives in this thread
        keys = worker.submit(prepare_desk, database_url).result()
    rtp = reserve_udp_ports(32)
    config = sip_config(
        tmp_path / "ringback.toml",
        f"127.0.0.1:{sip_registrar.port}",
        rtp.first,
        rtp.last - rtp.first + 1,
        base=DESKTOP_CONFIG,
    )
    try:
        with ringback_switch(config=config, driver="sip", log=tmp_path / "switch.log") as switch:
            server = DesktopServer(
                database_url,
                keys,
                tmp_path / "server.log",
                settings={"RINGBACK_SWITCH_URL": switch.url},
            )
            server.start()
            yield server
            server.stop()
    finally:
        rtp.release()


def prepare_desk(database_url: str) -> dict[str, str]:
    return prepare(database_url, DESKTOP_CONFIG, {"all": (["*"], None)})


def test_a_voice_callback_rings_real_phones(
    desktop: DesktopServer, open_desk: OpenDesk, sip_phones: Any
) -> None:
    agent_phone = sip_phones("1001")
    customer_phone = sip_phones("+12125550123")
    page = open_desk("ada")
    made = desktop.ask_callback(service="cards", phone="+1 212 555 0123", name="Dana Reyes")
    set_status(page, "Voice", "Ready")
    notification(page, "Dana Reyes").get_by_role("button", name="Accept").click()

    agent_phone.wait_event("CALL_ESTABLISHED", timeout=15)
    customer_phone.wait_event("CALL_ESTABLISHED", timeout=15)
    expect(call_status(page)).to_contain_text("Connected", timeout=15_000)

    actions = page.get_by_role("toolbar", name="Call Actions")
    actions.get_by_role("button", name="End Call").click()
    customer_phone.wait_event("CALL_CLOSED", timeout=10)
    expect(call_status(page)).to_contain_text("Ready to Call")
    page.get_by_role("radio", name="Resolved on this call").check()
    actions.get_by_role("button", name="Mark Done").click()
    expect(page.get_by_text("No interaction on your desk")).to_be_visible()
    assert desktop.callback(made["id"])["state"] == "completed"
