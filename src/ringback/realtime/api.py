"""``/api/v1/workspace/events``: one WebSocket per agent screen."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ringback.errors import RingbackError
from ringback.interactions import repository
from ringback.interactions.common import is_supervisor
from ringback.realtime.hub import Listener, message
from ringback.runtime import Runtime
from ringback.workspace.auth import SESSION_COOKIE, token_agent

router = APIRouter(tags=["workspace"])
NOT_SIGNED_IN = 4401
TOO_SLOW = 4408
SENT_MEMORY = 1000


@router.websocket("/api/v1/workspace/events")
async def events(websocket: WebSocket, after: int | None = None, token: str | None = None) -> None:
    """Events for the signed-in agent (every agent's, for supervisors), each with an ``id``.

    Connect with ``?after=<last id seen>`` to get what was missed first, then the live stream.
    Authenticate with the session cookie, an ``Authorization: Bearer`` header, or ``?token=``.
    """
    runtime: Runtime = websocket.app.state.runtime
    header = websocket.headers.get("authorization", "")
    credential = (
        (header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None)
        or token
        or websocket.cookies.get(SESSION_COOKIE)
    )
    try:
        if not credential:
            raise RingbackError("not-signed-in", "sign in first", status=401)
        me = await token_agent(runtime, credential)
    except RingbackError as exc:
        await websocket.accept()  # so that the client sees the reason, not a bare 403
        await websocket.close(code=NOT_SIGNED_IN, reason=exc.detail)
        return
    if after is None:
        # Taken before the handshake completes: what the client does next is above it.
        async with runtime.db.transaction() as session:
            floor = await repository.last_event_id(session)
    else:
        floor = after
    await websocket.accept()
    listener = Listener(agent_id=me.agent.id, sees_everyone=is_supervisor(me.agent))
    runtime.hub.add(listener)  # first, so nothing committed during the replay is lost
    try:
        sent: set[int] = set()  # by id: rows can commit out of id order
        if after is not None:
            while True:  # what was missed, a batch at a time (no lock held while sending)
                async with runtime.db.transaction() as session:
                    missed = await repository.events_after(
                        session,
                        after=max(sent, default=floor),
                        agent_id=None if listener.sees_everyone else me.agent.id,
                    )
                if not missed:
                    break
                for event in missed:
                    await websocket.send_json(message(event))
                    sent.add(event.id)
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
                if item["id"] > floor and item["id"] not in sent:
                    await websocket.send_json(item)
                    sent.add(item["id"])
                    if len(sent) > 2 * SENT_MEMORY:  # only recent ids can still arrive late
                        floor = sorted(sent)[SENT_MEMORY]
                        sent = {i for i in sent if i > floor}
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await receiver
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.remove(listener)


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
