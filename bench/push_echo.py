"""The push baseline: a bare Starlette WebSocket app under uvicorn, run like ``ringback serve``.

It holds the connections in the order it accepted them and sends only what it is told to:
``POST /send`` ``{"to": [index, …], "message": {…}}`` stamps ``at`` once, then sends the message
to each of those connections; ``POST /broadcast`` sends a small stamped message to every one.
"""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bench.push_server import raise_open_files

connections: list[WebSocket] = []


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def screen(websocket: WebSocket) -> None:
    await websocket.accept()
    connections.append(websocket)
    try:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()
    finally:
        connections.remove(websocket)


async def send(request: Request) -> JSONResponse:
    body = await request.json()
    targets = [connections[i] for i in body["to"]]
    at = datetime.now(UTC).isoformat()
    for websocket in targets:
        await websocket.send_json({**body["message"], "at": at})
    return JSONResponse({"sent": len(targets)})


async def broadcast(request: Request) -> JSONResponse:
    targets = list(connections)
    at = datetime.now(UTC).isoformat()
    for websocket in targets:
        await websocket.send_json({"topic": "broadcast", "at": at})
    return JSONResponse({"sent": len(targets)})


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/send", send, methods=["POST"]),
        Route("/broadcast", broadcast, methods=["POST"]),
        WebSocketRoute("/ws", screen),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    arguments = parser.parse_args()
    raise_open_files()
    # The uvicorn settings of `ringback serve` (cli/serve.py), so that only the app differs.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=arguments.port,
        log_level=arguments.log_level,
        access_log=False,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
