"""One error type for the whole product, turned into RFC 9457 problem details at the edge."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"


class RingbackError(Exception):
    """A refusal with a stable machine-readable ``code``, an HTTP status and a human detail."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        status: int = HTTPStatus.BAD_REQUEST,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = int(status)
        self.field = field
        self.headers = headers or {}
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 body for this error."""
        body: dict[str, Any] = {
            "type": f"https://ringback.dev/problems/{self.code}",
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


def not_found(code: str, detail: str) -> RingbackError:
    return RingbackError(code, detail, status=HTTPStatus.NOT_FOUND)


def conflict(code: str, detail: str, **extra: Any) -> RingbackError:
    return RingbackError(code, detail, status=HTTPStatus.CONFLICT, **extra)


def invalid(code: str, detail: str, *, field: str, **extra: Any) -> RingbackError:
    return RingbackError(code, detail, status=HTTPStatus.UNPROCESSABLE_ENTITY, field=field, **extra)
