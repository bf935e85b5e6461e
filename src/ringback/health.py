"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ringback.db import Database
from ringback.migrations import SchemaFit, current_revision, head_revision, schema_fit
from ringback.runtime import RuntimeDep
from ringback.telephony.remote import RemoteSwitch

router = APIRouter(tags=["operations"])
# A probe gets its answer within this many seconds, whatever the database does.
READY_WITHIN = 1.0
# A check the database never answers is given up after this many seconds, so that the next
# probe asks again (a probe meanwhile waits on the check under way instead of adding one).
CHECK_GIVEN_UP_AFTER = 10.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready"}})
async def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """The database answers within a second and its schema is the one this code expects.

    With a shared switch, ``switch`` says whether the node follows its event stream.
    """
    check = _schema_check(request, runtime.db)
    await asyncio.wait({check}, timeout=READY_WITHIN)
    if not check.done():
        return JSONResponse({"status": "unavailable", "database": "TimeoutError"}, 503)
    if (error := check.exception()) is not None:
        return JSONResponse({"status": "unavailable", "database": type(error).__name__}, 503)
    found, expected = check.result(), head_revision()
    if schema_fit(found) is SchemaFit.OUTDATED:
        return JSONResponse(
            {"status": "schema-outdated", "schema": found, "expected": expected}, status_code=503
        )
    # A schema a newer release migrated is served too: nodes are upgraded one at a time.
    body = {"status": "ready", "schema": found}
    switch = runtime.bridge.switch
    if isinstance(switch, RemoteSwitch):
        # Shown, not required: intake and the desk work while the switch service is away.
        body["switch"] = "following" if switch.connected.is_set() else "unreachable"
    return JSONResponse(body)


def _schema_check(request: Request, db: Database) -> asyncio.Task[str | None]:
    """The check under way, or a new one: probes on a database that hangs share one check
    rather than each holding a connection, and the probe itself never waits for a cleanup."""
    check: asyncio.Task[str | None] | None = getattr(request.app.state, "readiness_check", None)
    if check is None or check.done():
        check = asyncio.create_task(_schema_revision(db), name="readiness-check")
        check.add_done_callback(lambda done: done.cancelled() or done.exception())
        request.app.state.readiness_check = check
    return check


async def _schema_revision(db: Database) -> str | None:
    async with asyncio.timeout(CHECK_GIVEN_UP_AFTER):
        async with db.engine.connect() as connection:
            return await connection.run_sync(current_revision)


@router.get("/metrics", response_class=Response)
async def metrics(runtime: RuntimeDep) -> Response:
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
