"""A node restarting during an offer or a call: the state survives, nobody is dialled twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from tests.e2e.conftest import RunningServer, prepare, serving
from tests.e2e.test_workspace_voice import callback_state, request_callback
from tests.e2e.workspace import AgentDesk

from ringback.app import create_app
from ringback.settings import Settings
from ringback.telephony.sim.switch import SimulatedSwitch

pytestmark = pytest.mark.e2e


@contextmanager
def node(database_url: str, keys: dict[str, str]) -> Iterator[tuple[RunningServer, FastAPI]]:
    app = create_app(Settings(database_url=database_url, scheduler_max_sleep_seconds=0.2))
    with serving(Settings(database_url=database_url), app) as url:
        yield RunningServer(url, keys, database_url), app


def switch_of(app: FastAPI) -> SimulatedSwitch:
    switch = app.state.runtime.bridge.switch
    assert isinstance(switch, SimulatedSwitch)
    return switch


def test_restart_during_an_offer_keeps_it_and_dials_once(database_url: str) -> None:
    keys = prepare(database_url)
    with node(database_url, keys) as (server, _):
        callback = request_callback(server, "+44 20 7946 0031")
        ada = AgentDesk(server, "ada")
        ada.status("voice", "ready")
        offered = ada.wait_offer()
        ada.close()
    with node(database_url, keys) as (server, app):
        ada = AgentDesk(server, "ada")
        try:
            assert ada.interaction(offered["id"])["state"] == "offered"
            ada.act(offered["id"], "accept")
            ada.wait_state(offered["id"], "connected")
            calls = switch_of(app).calls()
            assert [c.destination for c in calls.values()] == ["+442079460031"]
            assert all(c.dial_count == 1 for c in calls.values())
            assert callback_state(server, callback["id"])["attempts"] == 1
        finally:
            ada.close()


def test_restart_during_a_call_ends_it_without_dialling_again(database_url: str) -> None:
    keys = prepare(database_url)
    with node(database_url, keys) as (server, _):
        callback = request_callback(server, "+44 20 7946 0032")
        ada = AgentDesk(server, "ada")
        ada.status("voice", "ready")
        offered = ada.wait_offer()
        ada.act(offered["id"], "accept")
        ada.wait_state(offered["id"], "connected")
        ada.close()
    with node(database_url, keys) as (server, app):
        ada = AgentDesk(server, "ada")
        try:
            settled = ada.interaction(offered["id"])
            assert settled["state"] == "ready_to_call" and settled["call_id"] is None
            assert switch_of(app).calls() == {}
            assert "lost" in [h["detail"].get("cause") for h in ada.history(offered["id"])]
            found = callback_state(server, callback["id"])
            assert found["state"] == "connected" and found["attempts"] == 1
            ada.http.put(f"/interactions/{offered['id']}/disposition", json={"code": "resolved"})
            assert ada.act(offered["id"], "done").status_code == 200
            assert callback_state(server, callback["id"])["state"] == "completed"
        finally:
            ada.close()
