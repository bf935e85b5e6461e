"""The customer's page through a real server, on both engines: what it shows, and moves,
notes and cancellations done through the Callback API's rules as the customer."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs
from tests.e2e.conftest import RunningServer
from tests.e2e.test_server_log import tables_away

from ringback.clock import ManualClock

pytestmark = pytest.mark.e2e

# A Monday, 10:00 in New York and 15:00 in London.
T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
FORM = re.compile(r'name="form" value="([^"]+)"')


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def server(start_server: Callable[..., RunningServer], clock: ManualClock) -> RunningServer:
    return start_server(clock=clock)


def ask(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"service": "anytime", "phone": "+44 20 7946 0018"} | fields
    made = client.post("/api/v1/callbacks", json=body)
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


def page_client(server: RunningServer, **headers: str) -> httpx.Client:
    """A browser: no API key, no redirects followed."""
    return httpx.Client(base_url=server.url, headers=headers, timeout=10)


def form_of(html: str) -> str:
    found = FORM.search(html)
    assert found is not None, html
    return found.group(1)


def path_of(manage_url: str) -> str:
    return httpx.URL(manage_url).path


def history(client: httpx.Client, callback_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get(f"/api/v1/callbacks/{callback_id}/history").json()
    return entries


def test_a_booked_callback_in_french_and_the_customers_zone(server: RunningServer) -> None:
    with server.client() as api:
        booked = ask(
            api,
            service="support",
            phone="+1 212 555 0142",
            type="scheduled",
            desired_time="2026-12-08T15:00:00Z",
            time_zone="Europe/Paris",
            language="fr-CA",
            name="Ada Lovelace",
            email="ada@example.com",
        )
    assert booked["manage_url"].startswith(f"{server.url}/c/")
    with page_client(server) as browser:
        shown = browser.get(path_of(booked["manage_url"]))
    assert shown.status_code == 200
    html = shown.text
    assert '<html lang="fr">' in html
    assert "Customer support" in html  # the service's display name
    assert "Votre rappel" in html and "Réservé : nous vous appellerons" in html
    # 10:00 in New York is 16:00 in Paris, written the French way, with the zone's name.
    assert "mardi 8 décembre 2026" in html and "16:00" in html
    assert "heure d\u2019Europe centrale (Paris)" in html
    assert "Se terminant par 0142" in html and "Ada Lovelace" in html
    assert "2125550142" not in html and "ada@example.com" not in html
    assert "Déplacer mon rappel" in html and "Annuler mon rappel" in html
    headers = shown.headers
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-robots-tag"].startswith("noindex")
    assert "set-cookie" not in headers
    assert "<script" not in html and "http" not in html.replace(server.url, "")


def test_a_queued_callback_shows_its_place_in_english(server: RunningServer) -> None:
    with server.client() as api:
        for n in range(2):
            ask(api, phone=f"+44 20 7946 00{n + 30}")
        third = ask(api, phone="+44 20 7946 0032")
    with page_client(server, **{"Accept-Language": "de-DE, en;q=0.5"}) as browser:
        html = browser.get(path_of(third["manage_url"])).text
    assert '<html lang="en">' in html
    assert "Waiting: you are in the queue" in html
    assert "Number 3: 2 people before you." in html
    assert "British Time (London)" in html  # guessed from the number
    assert "Move my callback" not in html  # an immediate callback has no slot to move
    assert "Send the note" in html and "Cancel my callback" in html


def test_moving_goes_through_the_slot_rules(server: RunningServer, clock: ManualClock) -> None:
    # anytime: 15-minute slots of one place each, always open.
    with server.client() as api:
        mine = ask(api, type="scheduled", desired_time="2026-12-07T16:00:00Z")
        other = ask(
            api, phone="+44 20 7946 0099", type="scheduled", desired_time="2026-12-07T16:15:00Z"
        )
        assert other["slot"]["start"] == "2026-12-07T16:15:00Z"
    page = path_of(mine["manage_url"])
    with page_client(server) as browser:
        html = browser.get(page).text
        assert 'value="2026-12-07T16:30:00+00:00"' in html
        # Neither its own slot nor a full one is offered.
        assert 'value="2026-12-07T16:00:00+00:00"' not in html
        assert 'value="2026-12-07T16:15:00+00:00"' not in html
        form = form_of(html)
        full = browser.post(
            f"{page}/move", data={"form": form, "slot": "2026-12-07T16:15:00+00:00"}
        )
        assert full.status_code == 409
        assert 'id="slot-error"' in full.text and "That time has just been taken" in full.text
        assert 'aria-describedby="slot-error"' in full.text
        nothing = browser.post(f"{page}/move", data={"form": form})
        assert nothing.status_code == 422 and "Please choose a time." in nothing.text
        moved = browser.post(
            f"{page}/move", data={"form": form, "slot": "2026-12-07T16:30:00+00:00"}
        )
        assert moved.status_code == 303
        assert moved.headers["location"] == f"{page}?done=moved"
        after = browser.get(moved.headers["location"]).text
        assert 'role="status"' in after and "Your callback is moved." in after
    with server.client() as api:
        now = api.get(f"/api/v1/callbacks/{mine['id']}").json()
        assert now["slot"]["start"] == "2026-12-07T16:30:00Z" and now["state"] == "scheduled"
        last = history(api, mine["id"])[-1]
        assert (last["actor"], last["event"]) == ("customer", "reschedule")
        # Its old slot is free again: another number may book it.
        ask(api, phone="+44 20 7946 0098", type="scheduled", desired_time="2026-12-07T16:00:00Z")


def test_a_note_reaches_the_agents_instructions(server: RunningServer) -> None:
    with server.client() as api:
        mine = ask(api, instructions="Account 42")
    page = path_of(mine["manage_url"])
    with page_client(server) as browser:
        form = form_of(browser.get(page).text)
        empty = browser.post(f"{page}/note", data={"form": form, "note": "   "})
        assert empty.status_code == 422
        assert 'id="note-error"' in empty.text and 'aria-invalid="true"' in empty.text
        too_long = browser.post(f"{page}/note", data={"form": form, "note": "x" * 501})
        assert too_long.status_code == 422 and "too long" in too_long.text
        sent = browser.post(
            f"{page}/note", data={"form": form, "note": "Please call\nmy mobile, not the desk"}
        )
        assert sent.status_code == 303
    with server.client() as api:
        now = api.get(f"/api/v1/callbacks/{mine['id']}").json()
        assert now["instructions"] == (
            "Account 42\n\nNote from the customer (2026-12-07 15:00 UTC): "
            "Please call my mobile, not the desk"
        )
        last = history(api, mine["id"])[-1]
        assert (last["actor"], last["event"], last["reason"]) == (
            "customer",
            "note",
            "note added by the customer",
        )
        assert (last["from_state"], last["to_state"]) == ("queued", "queued")


def test_cancel_twice_and_the_link_ends_days_later(
    server: RunningServer, clock: ManualClock
) -> None:
    with server.client() as api:
        mine = ask(api)
    page = path_of(mine["manage_url"])
    with page_client(server) as browser:
        confirm = browser.get(f"{page}/cancel")
        assert confirm.status_code == 200 and "Yes, cancel my callback" in confirm.text
        form = form_of(confirm.text)
        done = browser.post(f"{page}/cancel", data={"form": form})
        assert done.status_code == 303 and done.headers["location"] == f"{page}?done=cancelled"
        after = browser.get(done.headers["location"]).text
        assert "Your callback is cancelled." in after
        assert "Cancelled: we will not call you." in after
        assert "<form" not in after
        again = browser.post(f"{page}/cancel", data={"form": form})
        assert again.status_code == 409 and "can no longer be done" in again.text
        # The confirmation of an ended callback goes back to its page.
        assert browser.get(f"{page}/cancel").status_code == 303
    with server.client() as api:
        entries = history(api, mine["id"])
        assert [(e["actor"], e["event"]) for e in entries][-1] == ("customer", "cancel")
        assert sum(e["event"] == "cancel" for e in entries) == 1
    with page_client(server) as browser:
        clock.advance(timedelta(days=7) - timedelta(minutes=1))
        assert browser.get(page).status_code == 200
        clock.advance(timedelta(minutes=2))
        gone = browser.get(page)
        assert gone.status_code == 404 and "This link does not work" in gone.text


def test_bad_links_all_get_the_same_404(server: RunningServer) -> None:
    with server.client() as api:
        token = path_of(ask(api)["manage_url"]).rpartition("/")[2]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with page_client(server) as browser:
        answers = [
            browser.get(f"/c/{bad}")
            for bad in (tampered, "nothing", "x" * 43, token[:20] + token[21:] + "A")
        ]
        posted = browser.post(f"/c/{tampered}/cancel", data={"form": "1.x"})
    assert {a.status_code for a in answers} == {404} and posted.status_code == 404
    assert len({a.text for a in answers}) == 1
    assert answers[0].headers["referrer-policy"] == "no-referrer"


def test_forms_from_elsewhere_or_without_their_field_are_refused(server: RunningServer) -> None:
    with server.client() as api:
        mine = ask(api)
    page = path_of(mine["manage_url"])
    with page_client(server) as browser:
        form = form_of(browser.get(page).text)
        assert browser.post(f"{page}/cancel", data={}).status_code == 403
        assert browser.post(f"{page}/cancel", data={"form": form + "x"}).status_code == 403
        elsewhere = browser.post(
            f"{page}/cancel", data={"form": form}, headers={"Origin": "https://evil.example"}
        )
        assert elsewhere.status_code == 403 and "open too long" in elsewhere.text
        cross_site = browser.post(
            f"{page}/cancel", data={"form": form}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert cross_site.status_code == 403
        own = browser.post(f"{page}/cancel", data={"form": form}, headers={"Origin": server.url})
        assert own.status_code == 303
    with server.client() as api:
        assert [e["event"] for e in history(api, mine["id"])] == ["create", "cancel"]


def test_changes_past_the_pages_budget_are_refused(
    start_server: Callable[..., RunningServer], clock: ManualClock
) -> None:
    server = start_server(
        clock=clock, customer_actions_per_hour=2, public_url="https://callbacks.bank.example/"
    )
    with server.client() as api:
        mine = ask(api)
    assert mine["manage_url"].startswith("https://callbacks.bank.example/c/")
    page = path_of(mine["manage_url"])
    with page_client(server) as browser:
        form = form_of(browser.get(page).text)
        for text in ("one", "two"):
            sent = browser.post(f"{page}/note", data={"form": form, "note": text})
            assert sent.status_code == 303
        third = browser.post(f"{page}/note", data={"form": form, "note": "three"})
    assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
    assert "Too many changes" in third.text
    with server.client() as api:
        assert api.get(f"/api/v1/callbacks/{mine['id']}").json()["instructions"].count("Note") == 2
        # The number's budget: its other callback's page has changes left, but the number has not.
        other = ask(
            api, phone="+44 20 7946 0018", type="delayed", desired_time="2026-12-07T18:00:00Z"
        )
    with page_client(server) as browser:
        page = path_of(other["manage_url"])
        form = form_of(browser.get(page).text)
        refused = browser.post(f"{page}/note", data={"form": form, "note": "four"})
    assert refused.status_code == 429


def test_a_page_that_fails_logs_its_route_not_its_token(
    server: RunningServer, database_url: str
) -> None:
    with server.client() as api:
        booked = ask(api, type="scheduled", desired_time="2026-12-07T16:00:00Z")
    token = path_of(booked["manage_url"]).rpartition("/")[2]
    with (
        capture_logs() as logs,
        tables_away(database_url, "slot_bookings"),
        page_client(server) as browser,
    ):
        failed = browser.get(path_of(booked["manage_url"]))
    assert failed.status_code == 500
    assert [entry["path"] for entry in logs if entry["event"] == "request failed"] == ["/c/{token}"]
    assert token not in repr(logs)
