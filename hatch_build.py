"""Wheel build hook: a wheel without the built agent desktop is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DesktopBundle(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        if not (Path(self.root) / "src" / "ringback" / "ui" / "index.html").is_file():
            raise RuntimeError(
                "the agent desktop is not built: run `make ui` (npm run build in web/) first"
            )
