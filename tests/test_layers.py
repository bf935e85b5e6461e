"""The domains' import directions: what builds on what, read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

import ringback

PACKAGE = Path(ringback.__file__).parent


def imported_modules(folder: Path) -> set[tuple[str, str]]:
    """(file, module) for every import in the folder's modules, at any depth in the file."""
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


def test_callbacks_never_import_interactions() -> None:
    wrong = {
        (name, module)
        for name, module in imported_modules(PACKAGE / "callbacks")
        if module.startswith("ringback.interactions")
    }
    assert wrong == set()


def test_the_package_never_imports_the_repositorys_bench_folder() -> None:
    wrong = {(name, module) for name, module in imported_modules(PACKAGE) if module == "bench"}
    wrong |= {
        (name, module) for name, module in imported_modules(PACKAGE) if module.startswith("bench.")
    }
    assert wrong == set()
