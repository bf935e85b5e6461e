"""A voice callback on real SIP, end to end: asked for through the Callback API, handled through
the Workspace API by a node whose switch is ``ringback switch --driver sip``, between an agent's
SIP phone and the customer's, both registered with Kamailio, with sound checked both ways."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer, prepare
from tests.e2e.process import ringback_node, ringback_switch
from tests.e2e.test_workspace_voice import callback_state, request_callback
from tests.e2e.workspace import AgentDesk
from tests.sip.network import reserve_udp_ports
from tests.sip.phone import Answer
from tests.support import TEST_CONFIG

pytestmark = [pytest.mark.e2e, pytest.mark.sip]

# Above the hold music, which stays below 600 Hz.
AGENT_TONE, CUSTOMER_TONE, SECOND_AGENT_TONE = 1000, 880, 1320
CUSTOMER = "+442079460801"
# How long the customer's phone may ring: the "anytime" service's ring_seconds, which comes
# before the switch's ring_timeout_seconds (the shortest a service may give).
RING_SECONDS = 5
SERVICE_RING = "ring_seconds = 25\n"
assert TEST_CONFIG.count(SERVICE_RING) == 1, "the anytime service's ring time moved"
SIP_TEST_CONFIG = TEST_CONFIG.replace(SERVICE_RING, f"ring_seconds = {RING_SECONDS}\n")
# What a call nobody answers may take besides the ring time on a loaded machine: the agent's
# phone answering first, the switch's events reaching the node, the desk seeing the result.
SETTLE_SECONDS = 15


def sip_config(
    path: Path, proxy: str, rtp_first: int, rtp_count: int, *, base: str = SIP_TEST_CONFIG
) -> Path:
    """``base`` with a [sip] section whose trunk and registrar are the lab's Kamailio."""
    path.write_text(
        base
        + f"""
[sip]
local_address = "127.0.0.1"
sip_port = 0
rtp_port_start = {rtp_first}
rtp_port_count = {rtp_count}
max_calls = 4
spare_workers = 1
trunk = "{proxy}"
registrar = "{proxy}"
ring_timeout_seconds = {RING_SECONDS}
agent_ring_timeout_seconds = 5
""",
        encoding="utf-8",
    )
    return path


def eventually(check: Callable[[], Any], what: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


@dataclass(frozen=True)
class SipSite:
    server: RunningServer
    switch_url: str

    def switch_metrics(self) -> str:
        return httpx.get(f"{self.switch_url}/metrics", timeout=5).text


@contextmanager
def sip_site(database_url: str, sip_registrar: Any, tmp_path: Path) -> Iterator[SipSite]:
    """A node whose switch service drives SIP through the lab's Kamailio."""
    if database_url.startswith("postgresql"):
        pytest.skip("the telephony is what this test is about; SQLite carries it (one node)")
    keys = prepare(database_url, SIP_TEST_CONFIG)
    rtp = reserve_udp_ports(32)
    proxy = f"127.0.0.1:{sip_registrar.port}"
    config = sip_config(tmp_path / "ringback.toml", proxy, rtp.first, rtp.last - rtp.first + 1)
    try:
        with (
            ringback_switch(config=config, driver="sip", log=tmp_path / "switch.log") as switch,
            ringback_node(database_url, switch=switch.url, log=tmp_path / "node.log") as node,
        ):
            yield SipSite(RunningServer(node.url, keys, database_url), switch.url)
    finally:
        rtp.release()


def test_a_voice_callback_on_sip_phones_with_sound(
    database_url: str, sip_registrar: Any, sip_phones: Any, tmp_path: Path
) -> None:
    agent_phone = sip_phones("1001", tone=AGENT_TONE)
    customer_phone = sip_phones(CUSTOMER, tone=CUSTOMER_TONE)
    bob_phone = sip_phones("1002", tone=SECOND_AGENT_TONE)
    with sip_site(database_url, sip_registrar, tmp_path) as site:
        server = site.server
        callback = request_callback(server, "+44 20 7946 0801")
        ada = AgentDesk(server, "ada")
        bob = AgentDesk(server, "bob")
        try:
            ada.status("voice", "ready")
            offered = ada.wait_offer()
            ada.act(offered["id"], "accept")
            # The agent's phone rings first and answers; then the customer's.
            agent_phone.wait_event("CALL_ESTABLISHED", timeout=15)
            customer_phone.wait_event("CALL_ESTABLISHED", timeout=15)
            ada.wait_state(offered["id"], "connected", timeout=15)

            time.sleep(1.0)
            assert agent_phone.listen(1.5).has_tone(CUSTOMER_TONE)
            assert customer_phone.listen(1.5).has_tone(AGENT_TONE)

            assert ada.act(offered["id"], "hold").status_code == 200
            ada.wait_state(offered["id"], "on_hold")
            time.sleep(0.5)
            assert customer_phone.listen(1.5).lacks_tone(AGENT_TONE)  # not heard on hold
            assert ada.act(offered["id"], "resume").status_code == 200
            ada.wait_state(offered["id"], "connected")
            time.sleep(0.5)
            assert customer_phone.listen(1.5).has_tone(AGENT_TONE)

            # A digit the customer presses lands in the case history.
            customer_phone.send_dtmf("7")
            eventually(
                lambda: any(
                    h["kind"] == "dtmf" and "7" in h["detail"].get("digits", "")
                    for h in ada.history(offered["id"])
                ),
                "the customer's digit did not reach the case history",
            )

            # A consultation with Bob: his phone rings and answers, the customer waits on hold.
            bob.listen()
            assert ada.act(offered["id"], "consultation", {"target": "agent:bob"}).is_success
            bob_phone.wait_event("CALL_ESTABLISHED", timeout=15)
            eventually(
                lambda: (
                    (ada.interaction(offered["id"]).get("consultation") or {}).get("state")
                    == "connected"
                ),
                "the consultation with Bob did not connect",
            )
            time.sleep(0.5)
            assert bob_phone.listen(1.5).has_tone(AGENT_TONE)
            waiting = customer_phone.listen(1.5)  # on hold: neither agent is heard
            assert waiting.lacks_tone(AGENT_TONE) and waiting.lacks_tone(SECOND_AGENT_TONE)

            # Transferred: the customer hears Bob and no longer Ada, whose phone hangs up.
            moved = ada.act(offered["id"], "consultation/complete-transfer")
            assert moved.status_code == 200, moved.text
            ada.wait_state(offered["id"], "transferred")
            agent_phone.wait_event("CALL_CLOSED", timeout=10)
            received = bob.wait_event(lambda e: e["topic"] == "interaction.transferred")["payload"]
            bob.wait_state(received["id"], "connected")
            time.sleep(0.5)
            heard = customer_phone.listen(1.5)
            assert heard.has_tone(SECOND_AGENT_TONE) and heard.lacks_tone(AGENT_TONE)
            assert bob_phone.listen(1.5).has_tone(CUSTOMER_TONE)

            assert bob.act(received["id"], "end-call").status_code == 200
            bob.wait_state(received["id"], "ready_to_call")
            customer_phone.wait_event("CALL_CLOSED", timeout=10)
            bob.http.put(f"/interactions/{received['id']}/disposition", json={"code": "resolved"})
            assert bob.act(received["id"], "done").status_code == 200
            assert callback_state(server, callback["id"])["state"] == "completed"

            # What the switch's SIP responses were, on its /metrics.
            metrics = site.switch_metrics()
            for leg in ("agent", "customer", "consulted"):
                assert (
                    f'ringback_switch_sip_responses_total{{code="200",leg="{leg}"}} 1.0' in metrics
                )
        finally:
            ada.close()
            bob.close()


@pytest.mark.parametrize(("answer", "result"), [(Answer.BUSY, "busy"), (Answer.NEVER, "no_answer")])
def test_an_unreached_customer_on_sip_follows_the_retry_policy(
    database_url: str,
    sip_registrar: Any,
    sip_phones: Any,
    tmp_path: Path,
    answer: Answer,
    result: str,
) -> None:
    sip_phones("1001")
    sip_phones(CUSTOMER, answer=answer)
    with sip_site(database_url, sip_registrar, tmp_path) as site:
        server = site.server
        callback = request_callback(server, "+44 20 7946 0801")
        ada = AgentDesk(server, "ada")
        try:
            ada.status("voice", "ready")
            offered = ada.wait_offer()
            ada.act(offered["id"], "accept")
            ended = ada.wait_state(
                offered["id"], "ready_to_call", timeout=RING_SECONDS + SETTLE_SECONDS
            )
            assert ended["last_result"] == result
            ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
            ada.act(offered["id"], "done")
            retried = callback_state(server, callback["id"])
            assert retried["state"] == "scheduled" and retried["attempts"] == 1
            # Busy is the customer's 486; a phone that never answers is cancelled by the switch.
            code = {"busy": 486, "no_answer": 487}[result]
            assert f'ringback_switch_sip_responses_total{{code="{code}",leg="customer"}} 1.0' in (
                site.switch_metrics()
            )
        finally:
            ada.close()
