"""Two nodes on one database share one switch service (``ringback switch``): a node that stops
or dies leaves the other's calls connected, and a switch that restarts is seen by the nodes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import RunningServer, free_port, prepare
from tests.e2e.process import ringback_node, ringback_switch
from tests.e2e.test_workspace_voice import callback_state, request_callback
from tests.e2e.workspace import AgentDesk
from tests.support import TEST_CONFIG

pytestmark = pytest.mark.e2e


@pytest.fixture
def switch_config(tmp_path: Path) -> Path:
    path = tmp_path / "ringback.toml"
    path.write_text(TEST_CONFIG, encoding="utf-8")
    return path


def eventually(check: Callable[[], Any], what: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def switch_calls(switch_url: str) -> list[str]:
    calls: list[str] = httpx.get(f"{switch_url}/v1/calls").json()["calls"]
    return calls


def connected_call(
    server: RunningServer, login: str, phone: str
) -> tuple[AgentDesk, dict[str, Any], dict[str, Any]]:
    callback = request_callback(server, phone)
    desk = AgentDesk(server, login)
    desk.status("voice", "ready")
    offered = desk.wait_offer()
    desk.act(offered["id"], "accept")
    desk.wait_state(offered["id"], "connected")
    return desk, offered, callback


def test_a_node_that_dies_leaves_the_other_nodes_calls_connected(
    database_url: str, switch_config: Path, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite is the single-node store: several nodes share PostgreSQL")
    keys = prepare(database_url)
    with (
        ringback_switch(config=switch_config, log=tmp_path / "switch.log") as switch,
        ringback_node(database_url, switch=switch.url, log=tmp_path / "a.log") as a,
    ):
        node_a = RunningServer(a.url, keys, database_url)
        ada, on_a, callback = connected_call(node_a, "ada", "+44 20 7946 0031")
        ada.close()
        with ringback_node(database_url, switch=switch.url, log=tmp_path / "b.log") as b:
            node_b = RunningServer(b.url, keys, database_url)
            # Starting node B settled nothing: the call is the switch's, not node A's.
            look = AgentDesk(node_b, "sue")
            assert look.interaction(on_a["id"])["state"] == "connected"
            look.close()
            a.kill()
            time.sleep(0.5)
            bob, on_b, _ = connected_call(node_b, "bob", "+44 20 7946 0032")
            ada = AgentDesk(node_b, "ada")
            try:
                assert ada.interaction(on_a["id"])["state"] == "connected"
                expected = [ada.interaction(on_a["id"]), bob.interaction(on_b["id"])]
                assert sorted(switch_calls(switch.url)) == sorted(i["call_id"] for i in expected)
                # Node B carries on node A's call: hold, resume, end, each applied once.
                for action, state in (
                    ("hold", "on_hold"),
                    ("resume", "connected"),
                    ("end-call", "ready_to_call"),
                ):
                    assert ada.act(on_a["id"], action).status_code == 200
                    ada.wait_state(on_a["id"], state)
                story = [h["kind"] for h in ada.history(on_a["id"])]
                assert story == [
                    "offered", "accepted", "dial", "party_joined", "call_state",
                    "call_state", "call_state", "dial_result", "party_joined",
                    "hold", "call_state", "resume", "call_state", "end_call", "call_state",
                ]  # fmt: skip
                assert callback_state(node_b, callback["id"])["attempts"] == 1
            finally:
                ada.close()
                bob.close()


def test_a_restarted_switch_is_seen_and_its_lost_calls_settled(
    database_url: str, switch_config: Path, tmp_path: Path
) -> None:
    keys = prepare(database_url)
    port = free_port()
    with (
        ringback_switch(config=switch_config, port=port, log=tmp_path / "switch1.log") as first,
        ringback_node(database_url, switch=first.url, log=tmp_path / "node.log") as node,
    ):
        server = RunningServer(node.url, keys, database_url)
        ada, offered, callback = connected_call(server, "ada", "+44 20 7946 0033")
        try:
            assert httpx.get(f"{node.url}/readyz").json()["switch"] == "following"
            first.kill()
            eventually(
                lambda: httpx.get(f"{node.url}/readyz").json()["switch"] == "unreachable",
                "the node did not notice the switch had gone",
            )
            with ringback_switch(config=switch_config, port=port, log=tmp_path / "switch2.log"):
                settled = eventually(
                    lambda: (
                        ada.interaction(offered["id"])["state"] == "ready_to_call"
                        and ada.interaction(offered["id"])
                    ),
                    "the call the switch lost was not settled",
                )
                assert settled["call_id"] is None
                causes = [h["detail"].get("cause") for h in ada.history(offered["id"])]
                assert causes.count("lost") == 1
                # Nothing dialled again by itself: the agent decides (Call).
                assert callback_state(server, callback["id"])["attempts"] == 1
                assert httpx.get(f"{node.url}/readyz").json()["switch"] == "following"
        finally:
            ada.close()
