"""Reading and writing the configuration file, with errors that point at the place."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from ringback.config.schema import RingbackConfig
from ringback.errors import RingbackError


class ConfigFileError(RingbackError):
    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(
            "invalid-config",
            f"{source}: " + f"\n{source}: ".join(problems),
            status=422,
            problems=problems,
        )


def parse_config(text: str, *, source: str) -> RingbackConfig:
    """Validate a TOML document in full; every problem is reported, none is applied."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(source, [f"not valid TOML: {exc}"]) from None
    try:
        return RingbackConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigFileError(source, [_describe(error, raw) for error in exc.errors()]) from None


def load_config(path: Path) -> RingbackConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    return parse_config(text, source=str(path))


def dump_config(config: RingbackConfig) -> str:
    """The TOML text of a configuration; settings left at their default are not written."""
    return tomli_w.dumps(config.model_dump(mode="python", exclude_defaults=True))


def _describe(error: Any, raw: Any) -> str:
    """``services[1] (billing).slot_minutes: Input should be greater than or equal to 5``."""
    place = ""
    node = raw
    for part in error["loc"]:
        if isinstance(part, int):
            place += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            label = node.get("name") or node.get("code") if isinstance(node, dict) else None
            if label:
                place += f" ({label})"
        else:
            place += f".{part}" if place else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{place}: {message}" if place else message
