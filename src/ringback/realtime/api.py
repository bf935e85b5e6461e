"""``/api/v1/workspace/events``: one WebSocket per agent screen."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ringback.errors import RingbackError
from ringback.interactions import repository
from ringback.interactions.common import is_supervisor
from ringback.realtime.hub import Listener, message
from ringback.runtime import Runtime
from ringback.workspace.auth import SESSION_COOKIE, token_agent

router = APIRouter(tags=["workspace"])
BAD_REQUEST = 1008  # policy violation: the closest standard code for a malformed request
NOT_SIGNED_IN = 4401
FOREIGN_ORIGIN = 4403
TOO_SLOW = 4408
MAX_EVENT_ID = 2**63 - 1  # the database's BIGINT


@router.websocket("/api/v1/workspace/events")
async def events(
    websocket: WebSocket,
    after: str | None = None,
    token: str | None = None,
) -> None:
    """Events for the signed-in agent (every agent's, for supervisors), each with an ``id``.

    Connect with ``?after=<last id seen>`` to get what was missed first, then the live stream.
    Authenticate with the session cookie, an ``Authorization: Bearer`` header, or ``?token=``.
    With the cookie, the page opening the socket must be one of this server's (its ``Origin``).
    """
    runtime: Runtime = websocket.app.state.runtime
    try:
        last_seen = _event_id(after)
    except ValueError as exc:
        await websocket.accept()  # so that the client sees the reason, not a bare 403
        await websocket.close(code=BAD_REQUEST, reason=str(exc))
        return
    header = websocket.headers.get("authorization", "")
    credential = (
        header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    ) or token
    try:
        if not credential and SESSION_COOKIE in websocket.cookies:
            # A browser sends the cookie whichever site's page opens the socket: only its
            # Origin tells this server's own pages from another site's.
            _refuse_foreign_origin(websocket, runtime.settings.allowed_origins)
            credential = websocket.cookies[SESSION_COOKIE]
        if not credential:
            raise RingbackError("not-signed-in", "sign in first", status=401)
        me = await token_agent(runtime, credential)
    except RingbackError as exc:
        await websocket.accept()  # so that the client sees the reason, not a bare 403
        code = FOREIGN_ORIGIN if exc.status == 403 else NOT_SIGNED_IN
        await websocket.close(code=code, reason=exc.detail)
        return
    if last_seen is None:
        # Taken before the handshake completes: what the client does next is above it.
        async with runtime.db.transaction() as session:
            floor = await repository.last_event_id(session)
    else:
        floor = last_seen
    await websocket.accept()
    listener = Listener(agent_id=me.agent.id, sees_everyone=is_supervisor(me.agent))
    runtime.hub.add(listener)  # first, so nothing committed during the replay is lost
    try:
        # The newest id sent: rows show in id order, so the live queue repeats what the replay
        # read (it was registered first) and nothing below this id can still show.
        sent = floor
        if last_seen is not None:
            while True:  # what was missed, a batch at a time (no lock held while sending)
                async with runtime.db.transaction() as session:
                    missed = await repository.events_after(
                        session,
                        after=sent,
                        agent_id=None if listener.sees_everyone else me.agent.id,
                    )
                if not missed:
                    break
                for event in missed:
                    await websocket.send_json(message(event))
                    sent = event.id
        receiver = asyncio.create_task(_drain_client(websocket))
        try:
            while not receiver.done():
                getter = asyncio.create_task(listener.queue.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    getter.cancel()
                    break
                item = getter.result()
                if listener.overflowed:
                    await websocket.close(code=TOO_SLOW, reason="too slow: reconnect with ?after=")
                    break
                if item["id"] > sent:
                    await websocket.send_json(item)
                    sent = item["id"]
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await receiver
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.remove(listener)


def _refuse_foreign_origin(websocket: WebSocket, allowed: Collection[str]) -> None:
    """403 unless ``Origin`` is the server's own (the scheme, host and port the request was
    made to) or one of ``allowed``."""
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    own = f"{scheme}://{websocket.headers.get('host', '')}"
    origin = _origin_key(websocket.headers.get("origin", ""))
    if origin is not None and origin in {_origin_key(o) for o in (own, *allowed)}:
        return
    # A close reason holds 123 bytes at most: the Origin is not repeated in it.
    raise RingbackError(
        "foreign-origin",
        "the session cookie is accepted only from this server's own pages; send the token",
        status=403,
    )


def _origin_key(origin: str) -> tuple[str, str, int | None] | None:
    """Scheme, host and port, with the scheme's default port filled in; None if unreadable."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or parts.path not in ("", "/"):
        return None
    return parts.scheme, parts.hostname, port


def _event_id(after: str | None) -> int | None:
    """``?after=`` as an event id (None when absent); ValueError when it cannot be one."""
    if after is None:
        return None
    if not after.isascii() or not after.isdigit() or int(after) > MAX_EVENT_ID:
        raise ValueError("after: an event id from 0 to 2^63-1")
    return int(after)


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
