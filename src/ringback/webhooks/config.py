"""The ``[[webhooks]]`` entries of the configuration file, and the checks the API shares."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Annotated

import httpx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from ringback.webhooks.events import EventType

SECRET_PREFIX = "whsec_"  # noqa: S105  the format's prefix, not a secret
# The same rule as a pattern, for the OpenAPI document: 24 to 64 bytes end with no padding
# (a multiple of 3), "==" (one byte more) or "=" (two more).
_B64 = "[A-Za-z0-9+/]"
SECRET_PATTERN = (
    f"^whsec_(?:{_B64}{{4}}){{8,21}}(?:{_B64}{{2}}==)?$|^whsec_(?:{_B64}{{4}}){{8,20}}{_B64}{{3}}=$"
)
ServiceName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")]


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host and no fragment."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host or url.fragment:
        raise PydanticCustomError(
            "invalid-webhook-url",
            "must be an absolute http:// or https:// URL with a host and no #fragment",
        )
    return value


def check_secret(value: str) -> str:
    """whsec_ followed by the base64 of 24 to 64 bytes."""
    raw = None
    if value.startswith(SECRET_PREFIX):
        try:
            raw = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or not 24 <= len(raw) <= 64:
        raise PydanticCustomError(
            "invalid-webhook-secret",
            "must be whsec_ followed by the base64 of 24 to 64 random bytes",
        )
    return value


def check_distinct(value: list[str] | None, what: str) -> list[str] | None:
    if value is not None and len(set(value)) != len(value):
        raise ValueError(f"{what} is listed twice")
    return value


class WebhookConfig(BaseModel):
    """An endpoint of the configuration file: events of every service or of some, all types or
    some. ``secret`` may be left out once the endpoint exists (``config export`` leaves it out)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ServiceName
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    secret: str | None = Field(default=None, max_length=120)
    event_types: list[EventType] | None = Field(default=None, min_length=1)
    services: list[ServiceName] | None = Field(default=None, min_length=1)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        return None if value is None else check_secret(value)

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[EventType] | None) -> list[EventType] | None:
        check_distinct([str(v) for v in value] if value else None, "an event type")
        return value

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[str] | None) -> list[str] | None:
        return check_distinct(value, "a service")


def check_webhooks(webhooks: list[WebhookConfig], services: set[str]) -> None:
    """Names are unique and every service named exists in the same file."""
    seen: set[str] = set()
    for index, webhook in enumerate(webhooks):
        if webhook.name in seen:
            raise ValueError(f"webhooks: {webhook.name!r} is defined twice")
        seen.add(webhook.name)
        for name in webhook.services or ():
            if name not in services:
                raise ValueError(
                    f"webhooks[{index}] ({webhook.name}).services: no service named {name!r}"
                )
