"""``/docs``: Swagger UI from the package, under the desktop's strict headers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ringback.apidocs import mount_api_docs
from ringback.app import create_app
from ringback.desktop import BUNDLE, SECURITY_HEADERS
from ringback.settings import Settings

pytestmark = pytest.mark.anyio


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "apidocs").mkdir()
    (tmp_path / "apidocs" / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = 1")
    (tmp_path / "apidocs" / "swagger-ui.css").write_text("body {}")
    return tmp_path


def app_with(bundle: Path) -> FastAPI:
    app = FastAPI(title="Ringback", docs_url=None, redoc_url=None)
    mount_api_docs(app, bundle)
    return app


async def test_the_page_loads_only_its_own_files_and_runs_no_inline_script(bundle: Path) -> None:
    async with client(app_with(bundle)) as http:
        page = await http.get("/docs")
        loaded = re.findall(r'(?:src|href)="([^"]*)"', page.text)
        files = [await http.get(url) for url in loaded if url.startswith("/")]
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert set(loaded) == {
        "data:,",  # no favicon request
        "/docs/assets/swagger-ui.css",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    }
    assert [f.status_code for f in files] == [200, 200, 200]
    assert re.findall(r"<script[^>]*>([^<]*)</script>", page.text) == ["", ""]


async def test_the_initializer_points_swagger_ui_at_the_openapi_document(bundle: Path) -> None:
    async with client(app_with(bundle)) as http:
        script = await http.get("/docs/swagger-initializer.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert '"url": "/openapi.json"' in script.text
    assert '"validatorUrl": null' in script.text  # no badge from validator.swagger.io


async def test_without_a_build_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    async with client(app_with(tmp_path / "absent")) as http:
        answer = await http.get("/docs")
    assert answer.status_code == 503
    assert "make ui" in answer.text and "/openapi.json" in answer.text


async def test_the_node_serves_this_page_and_no_other_documentation(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    async with client(app) as http:
        page = await http.get("/docs")
        gone = [await http.get(path) for path in ("/redoc", "/docs/oauth2-redirect")]
        document = await http.get("/openapi.json")
    assert page.headers["content-security-policy"] == (SECURITY_HEADERS["Content-Security-Policy"])
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert [answer.status_code for answer in gone] == [404, 404]
    assert document.status_code == 200


def test_swagger_ui_is_in_the_built_bundle() -> None:
    # `make ui` copies it from web/node_modules/swagger-ui-dist, with its license.
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"):
        assert (BUNDLE / "apidocs" / name).is_file(), name
