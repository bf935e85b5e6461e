"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ringback.migrations import current_revision, head_revision
from ringback.runtime import RuntimeDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready"}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """The database answers and its schema is the one this code expects."""
    expected = head_revision()
    try:
        async with runtime.db.engine.connect() as connection:
            found = await connection.run_sync(current_revision)
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "database": str(exc.__class__.__name__)}, 503)
    if found != expected:
        return JSONResponse(
            {"status": "schema-outdated", "schema": found, "expected": expected}, status_code=503
        )
    return JSONResponse({"status": "ready", "schema": found})


@router.get("/metrics", response_class=Response)
async def metrics(runtime: RuntimeDep) -> Response:
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
