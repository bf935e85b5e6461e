"""The agent desktop's pages and assets, as `ringback serve` hands them to a browser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ringback.desktop import BUNDLE, PAGES, mount_desktop

pytestmark = pytest.mark.anyio


def client(bundle: Path) -> httpx.AsyncClient:
    app = FastAPI()
    mount_desktop(app, bundle)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<div id="root"></div>')
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('desk')")
    return tmp_path


@pytest.mark.parametrize("page", PAGES)
async def test_every_page_is_the_app_with_a_strict_policy(bundle: Path, page: str) -> None:
    async with client(bundle) as http:
        answer = await http.get(page)
    assert answer.status_code == 200
    assert answer.text == '<div id="root"></div>'
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-cache"


async def test_assets_are_served_and_other_paths_stay_404(bundle: Path) -> None:
    async with client(bundle) as http:
        asset = await http.get("/assets/index-abc123.js")
        missing = await http.get("/assets/nope.js")
        elsewhere = await http.get("/not-a-page")
    assert asset.status_code == 200
    assert asset.text == "console.log('desk')"
    assert missing.status_code == 404
    assert elsewhere.status_code == 404


async def test_without_a_build_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    async with client(tmp_path / "absent") as http:
        answer = await http.get("/")
    assert answer.status_code == 503
    assert "make setup" in answer.text


def test_the_built_bundle_is_in_the_package() -> None:
    # `make setup` builds web/ into the package; the wheel hook refuses to build without it.
    assert (BUNDLE / "index.html").is_file()
    assert any((BUNDLE / "assets").glob("index-*.js"))
