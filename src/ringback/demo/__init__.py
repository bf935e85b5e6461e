"""Demo data: a realistic configuration and a few callbacks to look at."""

from importlib.resources import files
from pathlib import Path


def demo_config_path() -> Path:
    return Path(str(files(__package__) / "ringback.toml"))
