"""Serve the agent desktop: the browser bundle built from ``web/`` into ``ringback/ui``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

BUNDLE = Path(__file__).parent / "ui"
# The pages of the single-page app; every other path stays the API's (and its 404s).
PAGES = ("/", "/supervisor", "/reports")
# The bundle loads nothing from elsewhere and runs no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Ringback</title></head><body><h1>The agent desktop is not built</h1>
<p>The API is running. Build the desktop with <code>make setup</code> (it runs
<code>npm run build</code> in <code>web/</code>) and restart the server.</p></body></html>"""


def mount_desktop(app: FastAPI, bundle: Path = BUNDLE) -> None:
    """Serve the desktop's pages and hashed assets; say how to build it when it is missing."""
    index = bundle / "index.html"
    app.mount("/assets", StaticFiles(directory=bundle / "assets", check_dir=False), name="assets")

    async def page() -> Response:
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Retry-After": "60"})
        return FileResponse(index, media_type="text/html", headers=SECURITY_HEADERS)

    for path in PAGES:
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
