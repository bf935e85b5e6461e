"""The sdist and the wheel, built as a release builds them, carry the license they declare."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both archives, built by the project's own build backend in a directory of their own
    (what `python -m build` does: install build-system.requires apart, call the backend)."""
    build_system = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    base = tmp_path_factory.mktemp("packaging")
    backend, out = base / "backend", base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", backend,
         *build_system["requires"]],
        check=True, capture_output=True,
    )  # fmt: skip
    build = (
        f"import sys, {build_system['build-backend']} as backend; "
        "backend.build_sdist(sys.argv[1]); backend.build_wheel(sys.argv[1])"
    )
    subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(backend)},
        check=True,
        capture_output=True,
    )
    return out


def test_the_repository_has_the_license_pyproject_names() -> None:
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == (
        "Apache-2.0"
    )
    assert "Apache License\n" in (ROOT / "LICENSE").read_text()
    assert "Version 2.0, January 2004" in (ROOT / "LICENSE").read_text()


def test_the_wheel_carries_the_license(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        assert archive.read(license_file) == (ROOT / "LICENSE").read_bytes()
        headers = archive.read(metadata).decode().split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers
    assert "License-File: LICENSE" in headers


def test_the_sdist_carries_the_license(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        member = archive.extractfile(f"{top}/LICENSE")
        assert member is not None
        assert member.read() == (ROOT / "LICENSE").read_bytes()


def test_the_wheel_carries_the_customer_page(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    page = "ringback/customers/"
    assert {
        f"{page}templates/page.html",
        f"{page}templates/base.html",
        f"{page}static/page.css",
        f"{page}locale/en/LC_MESSAGES/page.po",
        f"{page}locale/fr/LC_MESSAGES/page.po",
    } <= names
