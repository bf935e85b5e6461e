"""``/docs``: the interactive API documentation (Swagger UI), served from the package.

Swagger UI's files come from the npm package ``swagger-ui-dist``, copied into the desktop's
bundle by its build; the page loads nothing from elsewhere and runs no inline script, so it
carries the desktop's Content-Security-Policy.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from ringback.desktop import BUNDLE, SECURITY_HEADERS

PAGE_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Ringback API</title></head><body><h1>The API documentation page is not built</h1>
<p>The API is running and describes itself at <a href="/openapi.json">/openapi.json</a>.
Build the page with <code>make ui</code> (it runs <code>npm run build</code> in
<code>web/</code>) and restart the server.</p></body></html>"""


def mount_api_docs(app: FastAPI, bundle: Path = BUNDLE) -> None:
    """Serve ``/docs``, its initialiser and Swagger UI's files (``docs_url=None`` on the app)."""
    assets = bundle / "apidocs"
    app.mount(ASSETS_PATH, StaticFiles(directory=assets, check_dir=False), name="apidocs")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(app.title)} API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{PAGE_PATH}/swagger-initializer.js"></script>
</body></html>"""
    # No validator badge: it would be an image from validator.swagger.io.
    settings = {
        "url": app.openapi_url,
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": True,
        "showExtensions": True,
        "showCommonExtensions": True,
        "validatorUrl": None,
    }
    initializer = (
        f"window.ui = SwaggerUIBundle(Object.assign({json.dumps(settings)}, "
        "{presets: [SwaggerUIBundle.presets.apis]}));\n"
    )

    async def docs() -> Response:
        if not (assets / "swagger-ui-bundle.js").is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Retry-After": "60"})
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    async def docs_initializer() -> Response:
        return Response(initializer, media_type="text/javascript", headers=SECURITY_HEADERS)

    app.add_api_route(PAGE_PATH, docs, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        f"{PAGE_PATH}/swagger-initializer.js",
        docs_initializer,
        methods=["GET"],
        include_in_schema=False,
    )
