"""The intake baseline: a bare FastAPI app under uvicorn, run like ``ringback serve``.

``POST /api/v1/callbacks`` validates the body with the same Pydantic model as Ringback
(``CallbackCreate``), writes one row into ``bench_bare`` (a copy of the ``callbacks`` table,
made by the scenario) with SQLAlchemy Core in one transaction, on an engine made as a node makes
its own (same driver, pool and SQLite pragmas), and answers 201 with the row. No API key, no
rules, no other rows: what any web service pays to take in a request and store it.

Run as ``python -m bench.intake_bare --db URL --port N --log-level warning``.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, Uuid, insert

from ringback.callbacks.schemas import CallbackCreate
from ringback.db import JSONDocument, UTCDateTime, create_engine

TABLE = "bench_bare"

rows = Table(
    TABLE,
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("service_id", Integer),
    Column("queue_id", Integer),
    Column("phone", String(20)),
    Column("customer_name", String(200)),
    Column("customer_time_zone", String(64)),
    Column("type", String(20)),
    Column("channel", String(20)),
    Column("state", String(20)),
    Column("desired_time", UTCDateTime),
    Column("queued_at", UTCDateTime),
    Column("priority", Integer),
    Column("attempts", Integer),
    Column("data", JSONDocument),
    Column("instructions", Text),
    Column("created_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    Column("version", Integer),
)


class BareCallbackRead(BaseModel):
    id: uuid.UUID
    service: str
    phone: str
    name: str | None
    type: str
    channel: str
    state: str
    desired_time: datetime
    data: dict[str, str]
    instructions: str | None
    priority: int
    created_at: datetime


def make_app(url: str, service_id: int, queue_id: int) -> FastAPI:
    engine = create_engine(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/callbacks", status_code=201, response_model=BareCallbackRead)
    async def create(request: CallbackCreate) -> dict[str, Any]:
        now = datetime.now(UTC)
        row = {
            "id": uuid.uuid4(),
            "service_id": service_id,
            "queue_id": queue_id,
            "phone": request.phone,
            "customer_name": request.name,
            "customer_time_zone": request.time_zone,
            "type": str(request.type),
            "channel": request.channel,
            "state": "queued",
            "desired_time": request.desired_time or now,
            "queued_at": now,
            "priority": 50,
            "attempts": 0,
            "data": dict(request.data),
            "instructions": request.instructions,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        async with engine.begin() as connection:
            await connection.execute(insert(rows).values(row))
        return {**row, "service": request.service, "name": request.name}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--service-id", type=int, required=True)
    parser.add_argument("--queue-id", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    arguments = parser.parse_args()
    # The settings of `ringback serve` (ringback.cli.serve): one process, uvicorn's default
    # loop and HTTP implementation (uvloop and httptools when installed), no access log.
    uvicorn.run(
        make_app(arguments.db, arguments.service_id, arguments.queue_id),
        host="127.0.0.1",
        port=arguments.port,
        log_level=arguments.log_level,
        access_log=False,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
