"""Shapes of the standard response library for the Workspace API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ringback.responses.models import StandardResponse


class ResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    category: str
    title: str
    text: str = Field(
        description="With {field} placeholders; see `rendered` for the filled-in text."
    )
    services: list[str] = Field(description="Empty: offered on every service.")


class ResponseRendered(ResponseRead):
    rendered: str = Field(description="The text with the fields filled in; [field] marks a gap.")


class ResponsePage(BaseModel):
    items: list[ResponseRead]
    next_offset: int | None = Field(description="Pass as `offset` for the next page.")


class CategoryRead(BaseModel):
    name: str
    responses: int


def response_read(response: StandardResponse) -> ResponseRead:
    return ResponseRead.model_validate(response)
