"""Three nodes on one PostgreSQL database and one switch service, under faults.

Customers ask for callbacks through any node and agents handle them through any node, while
nodes are SIGKILLed and restarted at random (and the switch service once). Afterwards: every
acknowledged callback exists, none was offered to two agents at once, none was dialled twice
for one attempt, none is stuck, and every agent's screen saw every event of its own. The
figures are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from tests.e2e.conftest import KEYS, PASSWORD, free_port, prepare
from tests.e2e.process import Running, ringback_node, ringback_switch
from tests.support import TEST_CONFIG
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from ringback.db import sync_url

pytestmark = pytest.mark.e2e

SEED = 20261206
NODES = 3
CHAOS_SECONDS = 25.0
KILLS_AT_LEAST = 10
AGENTS = ("ada", "bob", "sue")
FINAL = {"completed", "failed", "cancelled", "expired"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "chaos"  # the processes' logs


class Cluster:
    """The switch service and the nodes, each on a port of its own that survives restarts."""

    def __init__(self, database_url: str, logs: Path, stack: ExitStack) -> None:
        self.database_url = database_url
        self.logs = logs
        self.stack = stack
        self.switch_port = free_port()
        self.config = logs / "ringback.toml"
        self.config.write_text(TEST_CONFIG, encoding="utf-8")
        self.switch = self._start_switch()
        self.ports = [free_port() for _ in range(NODES)]
        self.nodes: list[Running | None] = [self._start_node(n) for n in range(NODES)]
        self.restarts = 0
        self.recoveries: list[float] = []

    @property
    def switch_url(self) -> str:
        return f"http://127.0.0.1:{self.switch_port}"

    def _start_switch(self) -> Running:
        log = self.logs / f"switch-{time.monotonic_ns()}.log"
        return self.stack.enter_context(
            ringback_switch(config=self.config, port=self.switch_port, log=log)
        )

    def _start_node(self, n: int) -> Running:
        log = self.logs / f"node{n}-{time.monotonic_ns()}.log"
        return self.stack.enter_context(
            ringback_node(self.database_url, switch=self.switch_url, port=self.ports[n], log=log)
        )

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def kill_and_restart_node(self, n: int) -> None:
        node = self.nodes[n]
        assert node is not None
        node.kill()
        self.nodes[n] = None
        started = time.monotonic()
        self.nodes[n] = self._start_node(n)  # returns once /readyz answers 200
        self.recoveries.append(time.monotonic() - started)
        self.restarts += 1

    def kill_and_restart_switch(self) -> float:
        self.switch.kill()
        started = time.monotonic()
        self.switch = self._start_switch()
        return time.monotonic() - started


class Intake(threading.Thread):
    """A customer web page: asks for callbacks through any node, retrying elsewhere (with the
    same Idempotency-Key) when a node does not answer."""

    def __init__(self, cluster: Cluster, key: str, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.cluster, self.key, self.rng = cluster, key, rng
        self.stop = threading.Event()
        self.acknowledged: set[str] = set()
        self.attempts = 0

    def run(self) -> None:
        serial = 0
        with httpx.Client(timeout=5, headers={"Authorization": f"Bearer {self.key}"}) as client:
            while not self.stop.is_set():
                serial += 1
                # Numbers 0100-0109 are busy (retried later); 0800-0899 answer.
                line = f"010{serial % 10}" if serial % 7 == 0 else f"08{serial % 100:02d}"
                number = f"+44 20 7946 {line}"
                body = {"service": "anytime", "phone": number, "name": f"Customer {serial}"}
                idempotency = uuid.uuid4().hex
                while not self.stop.is_set():
                    self.attempts += 1
                    url = self.rng.choice(self.cluster.urls())
                    try:
                        answer = client.post(
                            f"{url}/api/v1/callbacks",
                            json=body,
                            headers={"Idempotency-Key": idempotency},
                        )
                    except httpx.TransportError:
                        time.sleep(0.05)
                        continue
                    if answer.status_code in (200, 201):
                        self.acknowledged.add(answer.json()["id"])
                        break
                    if answer.status_code >= 500:
                        time.sleep(0.05)
                        continue
                    raise AssertionError(f"{answer.status_code}: {answer.text}")
                time.sleep(0.6)  # about what three agents handle, so that they keep up


class Agent(threading.Thread):
    """An agent at a desk: Ready, accepts each offer, talks briefly, ends, marks done; talks to
    whichever node answers, and follows its event stream through any node."""

    def __init__(self, cluster: Cluster, login: str, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.cluster, self.login, self.rng = cluster, login, rng
        self.stop = threading.Event()
        self.screen_stop = threading.Event()
        self.token = ""
        self.floor: int | None = None
        self.seen: set[int] = set()
        self.owed_when_stopped: set[int] | None = None
        self.handled = 0
        self.hiccups: list[str] = []
        self.screen = threading.Thread(target=self._follow_screen, daemon=True)

    def call(self, method: str, path: str, **options: Any) -> httpx.Response | None:
        url = self.rng.choice(self.cluster.urls())
        try:
            return httpx.request(
                method,
                f"{url}/api/v1/workspace{path}",
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=5,
                **options,
            )
        except httpx.TransportError:
            return None

    def sign_in(self) -> None:
        while True:
            url = self.rng.choice(self.cluster.urls())
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.post(
                    f"{url}/api/v1/workspace/session",
                    json={"login": self.login, "password": PASSWORD},
                    timeout=5,
                )
                if answer.status_code == 201:
                    self.token = answer.json()["token"]
                    return
            time.sleep(0.1)

    def run(self) -> None:
        self.sign_in()
        self.screen.start()
        while not self.stop.is_set():
            try:
                self._work()
            except Exception as exc:
                # A node dying mid-answer (a reset, a half-written body): a desk tries again.
                self.hiccups.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.1)
        self.call("PUT", "/status/voice", json={"status": "not_ready", "reason": "break"})

    def _work(self) -> None:
        """One look at the desk: Ready when idle, and each interaction one step further."""
        listed = self.call("GET", "/interactions")
        if listed is None or listed.status_code != 200:
            return
        mine = listed.json()
        if not mine:
            me = self.call("GET", "/me")
            if me is not None and me.status_code == 200:
                voice = next(s for s in me.json()["statuses"] if s["channel"] == "voice")
                if voice["status"] != "ready":
                    self.call("PUT", "/status/voice", json={"status": "ready"})
        for interaction in mine:
            self._advance(interaction)

    def _advance(self, interaction: dict[str, Any]) -> None:
        path = f"/interactions/{interaction['id']}"
        match interaction["state"]:
            case "offered":
                self.call("POST", f"{path}/accept")
            case "preview":
                self.call("POST", f"{path}/call")
            case "connected":
                self.call("POST", f"{path}/end-call")
            case "ready_to_call" | "transferred":
                self.call("PUT", f"{path}/disposition", json={"code": "resolved"})
                done = self.call("POST", f"{path}/done")
                if done is not None and done.status_code == 200:
                    self.handled += 1
                elif done is not None:
                    self.hiccups.append(f"done: {done.status_code} {done.text}")

    def _follow_screen(self) -> None:
        """The agent's screen: one WebSocket through a random node, resumed elsewhere."""
        last: int | None = None
        while not self.screen_stop.is_set():
            url = self.rng.choice(self.cluster.urls()).replace("http://", "ws://")
            query = f"?after={last}" if last is not None else ""
            try:
                with connect(
                    f"{url}/api/v1/workspace/events{query}",
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    open_timeout=5,
                ) as socket:
                    if last is None:
                        self.floor = self._last_event_id()
                        last = self.floor
                    while not self.screen_stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            event = json.loads(socket.recv(timeout=0.5))
                            self.seen.add(event["id"])
                            last = max(last or 0, event["id"])
            except (OSError, WebSocketException):
                time.sleep(0.1)

    def _last_event_id(self) -> int:
        return int(
            _rows(self.cluster.database_url, "SELECT coalesce(max(id), 0) FROM agent_events")[0][0]
        )

    def owed(self) -> set[int]:
        """The events this agent's screen must have had (a supervisor's: everyone's)."""
        assert self.floor is not None, f"{self.login}'s screen never connected"
        scope = (
            ""
            if self.login == "sue"
            else (f"AND agent_id = (SELECT id FROM agents WHERE login = '{self.login}')")
        )
        sql = f"SELECT id FROM agent_events WHERE id > {self.floor} {scope}"
        return {row.id for row in _rows(self.cluster.database_url, sql)}


@contextmanager
def agents_and_customers(cluster: Cluster, key: str) -> Iterator[tuple[Intake, list[Agent]]]:
    rng = random.Random(SEED)
    intake = Intake(cluster, key, random.Random(rng.random()))
    agents = [Agent(cluster, login, random.Random(rng.random())) for login in AGENTS]
    workers: list[Intake | Agent] = [intake, *agents]
    for worker in workers:
        worker.start()
    try:
        yield intake, agents
    finally:
        for worker in workers:
            worker.stop.set()
        for worker in workers:
            worker.join(timeout=15)
        for agent in agents:
            # The screens stay until they have had every event, or fail the check below. What
            # commits after a screen's last look (a desk's last request, given up on after
            # its timeout, answered late by a slow node) came after it stopped listening.
            deadline = time.monotonic() + 15
            owed = agent.owed()
            while owed - agent.seen and time.monotonic() < deadline:
                time.sleep(0.2)
                owed = agent.owed()
            agent.owed_when_stopped = owed
            agent.screen_stop.set()
            agent.screen.join(timeout=5)


@pytest.mark.timeout(900)  # ten restarts take a minute or more on two cores, the backlog more
def test_nodes_and_the_switch_die_and_nothing_is_lost_doubled_or_stuck(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite is the single-node store: several nodes share PostgreSQL")
    keys = prepare(database_url, keys=KEYS | {"chaos": (["*"], 1_000_000)})
    rng = random.Random(SEED)
    with ExitStack() as stack:
        logs = ARTIFACTS / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        logs.mkdir(parents=True)
        cluster = Cluster(database_url, logs, stack)
        with agents_and_customers(cluster, keys["chaos"]) as (intake, agents):
            deadline = time.monotonic() + CHAOS_SECONDS
            switch_recovery = None
            while time.monotonic() < deadline or cluster.restarts < KILLS_AT_LEAST:
                time.sleep(rng.uniform(0.5, 1.5))
                if switch_recovery is None and cluster.restarts == KILLS_AT_LEAST // 2:
                    switch_recovery = cluster.kill_and_restart_switch()
                cluster.kill_and_restart_node(rng.randrange(NODES))
            intake.stop.set()
            intake.join(timeout=15)
            settled = _wait_until_settled(database_url, agents, stalled_after=90)
        figures = {
            "requests acknowledged": len(intake.acknowledged),
            "request attempts": intake.attempts,
            "node kills": cluster.restarts,
            "node recoveries": len(cluster.recoveries),
            "node recovery p50 s": round(statistics.median(cluster.recoveries), 2),
            "node recovery max s": round(max(cluster.recoveries), 2),
            "switch recovery s": round(switch_recovery or 0, 2),
            "callbacks handled by agents": sum(a.handled for a in agents),
            "desk requests retried": sum(len(a.hiccups) for a in agents),
            "settled after s": round(settled, 1),
        }
        print("\nchaos figures:", json.dumps(figures, indent=2))
        _check_invariants(database_url, intake, agents)
    assert cluster.restarts >= KILLS_AT_LEAST and switch_recovery is not None


def _rows(database_url: str, sql: str) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = list(connection.execute(text(sql)))
    engine.dispose()
    return rows


def _wait_until_settled(database_url: str, agents: list[Agent], stalled_after: float) -> float:
    """Seconds until no callback is waiting for an agent or in a call. A slow machine drains
    the backlog slowly, which is not a fault: only ``stalled_after`` seconds without any
    callback changing is (longer than a lost call takes to be settled)."""
    started = last_change = time.monotonic()
    last_seen: Any = None
    while True:
        busy = dict(
            _rows(
                database_url,
                "SELECT state, count(*) FROM callbacks WHERE state IN "
                "('queued', 'offered', 'accepted', 'dialing', 'connected') GROUP BY state",
            )
        )
        if not busy:
            return time.monotonic() - started
        seen = (busy, _rows(database_url, "SELECT max(updated_at) FROM callbacks")[0][0])
        if seen != last_seen:
            last_seen, last_change = seen, time.monotonic()
        if time.monotonic() - last_change > stalled_after:
            detail = _rows(
                database_url,
                "SELECT c.id, c.state, i.state AS interaction, i.call_id, i.updated_at, "
                "(SELECT string_agg(h.kind || ':' || h.detail::text, ' | ' ORDER BY h.id) "
                " FROM interaction_history h WHERE h.interaction_id = i.id) AS story "
                "FROM callbacks c LEFT JOIN interactions i ON i.callback_id = c.id "
                "WHERE c.state IN ('offered', 'accepted', 'dialing', 'connected')",
            )
            desks = {agent.login: agent.hiccups[-3:] for agent in agents}
            raise AssertionError(
                f"callbacks stuck, none changed for {stalled_after} s: {busy}: {detail}; "
                f"desks: {desks}"
            )
        time.sleep(0.5)


def _check_invariants(database_url: str, intake: Intake, agents: list[Agent]) -> None:
    callbacks = {
        str(row.id): row for row in _rows(database_url, "SELECT id, state, due_at FROM callbacks")
    }
    # Every acknowledged callback exists.
    missing = intake.acknowledged - callbacks.keys()
    assert not missing, f"acknowledged but not stored: {missing}"
    # None is stuck: final, or waiting for a due time.
    stuck = [
        (id_, row.state)
        for id_, row in callbacks.items()
        if row.state not in FINAL and not (row.state == "scheduled" and row.due_at is not None)
    ]
    assert not stuck, f"stuck callbacks: {stuck[:10]}"
    # None offered to two agents at once.
    spans: dict[str, list[tuple[datetime, datetime, Any]]] = defaultdict(list)
    for row in _rows(
        database_url,
        "SELECT callback_id, agent_id, offered_at, coalesce(ended_at, now()) AS until, "
        "transferred_from FROM interactions ORDER BY offered_at",
    ):
        spans[str(row.callback_id)].append((row.offered_at, row.until, row))
    for callback_id, intervals in spans.items():
        for (start, _, row), (_, previous_end, previous) in zip(
            intervals[1:], intervals[:-1], strict=True
        ):
            if row.transferred_from is None:
                assert start >= previous_end, (
                    f"callback {callback_id} offered to agents {previous.agent_id} and "
                    f"{row.agent_id} at once"
                )
    # None dialled twice for one attempt.
    dials = Counter(
        (str(row.callback_id), row.attempt)
        for row in _rows(
            database_url,
            "SELECT i.callback_id, h.detail->>'attempt' AS attempt FROM interaction_history h "
            "JOIN interactions i ON i.id = h.interaction_id WHERE h.kind = 'dial'",
        )
    )
    doubled = [key for key, count in dials.items() if count > 1]
    assert not doubled, f"dialled twice for one attempt: {doubled}"
    # Every agent's screen saw every event of its own (supervisors: of everyone).
    for agent in agents:
        assert agent.owed_when_stopped is not None
        unseen = agent.owed_when_stopped - agent.seen
        assert not unseen, f"{agent.login} missed {len(unseen)} events: {sorted(unseen)[:10]}"
