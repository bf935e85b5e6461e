"""The OpenAPI document: every operation declares the problems it may answer with.

FastAPI documents the success and a validation error in its own shape; Ringback answers every
refusal with an RFC 9457 problem (``application/problem+json``). The statuses each operation
may refuse with follow from what it is (authenticated how, with a path parameter, changing
state), so they are worked out here, in one table, rather than repeated on every route.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from ringback.errors import PROBLEM_JSON

API_KEY_SCHEME = "HTTPBearer"
# The incumbents' APIs (ringback.compat) refuse in their vendor's shape, documented on each
# route; only the checks every request passes (request_limits) answer them with a problem.
VENDOR_TAGS = frozenset({"genesys-cloud", "gms", "oauth"})  # described below
VENDOR_TAG_DESCRIPTIONS = {
    "genesys-cloud": "Genesys Cloud's callback API over Ringback's rules (docs/migrating.md); "
    "errors in the vendor's shape, Ringback's code in `code`.",
    "gms": "Genesys Mobile Services' callback API over Ringback's rules (docs/migrating.md); "
    "errors in the vendor's shape, Ringback's code in `error`.",
    "oauth": "OAuth 2.0 client credentials for the compatibility surfaces: an API key's client "
    "id and secret for a short-lived access token.",
}
COOKIE_SCHEME = "workspace-cookie"
CHANGES = frozenset({"post", "put", "patch", "delete"})

# What the table below cannot see from an operation's shape.
EXTRA_STATUSES: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/workspace/session"): {401, 429},  # wrong password; throttled sign-in
    ("post", "/api/v1/callbacks"): {403, 404, 409},  # a service not in scope, unknown, duplicate
    ("post", "/api/v1/workspace/contacts"): {409},  # a number another contact has
    ("put", "/api/v1/workspace/status/{channel}"): {409},  # log out with interactions open
    ("put", "/api/v1/workspace/team-communicator/favorites"): {404},
    ("delete", "/api/v1/workspace/team-communicator/favorites"): {404},
    ("post", "/api/v1/webhooks/endpoints"): {409},  # the key has its most endpoints already
}


# Where an operation's answer names something other operations act on: OpenAPI links, so that
# a client (or a stateful test) can follow them. (operation, status) -> the parameter, where its
# value is in the answer, and the paths whose operations take it.
LINKS: dict[tuple[str, str, str], tuple[str, str, tuple[str, ...]]] = {
    ("post", "/api/v1/callbacks", "201"): (
        "callback_id",
        "$response.body#/id",
        ("/api/v1/callbacks/{callback_id}", "/api/v1/workspace/supervisor/callbacks/{callback_id}"),
    ),
    ("post", "/api/v1/workspace/contacts", "201"): (
        "contact_id",
        "$response.body#/id",
        ("/api/v1/workspace/contacts/{contact_id}",),
    ),
    ("post", "/api/v1/webhooks/endpoints", "201"): (
        "endpoint_id",
        "$response.body#/id",
        ("/api/v1/webhooks/endpoints/{endpoint_id}",),
    ),
    ("get", "/api/v1/workspace/interactions", "200"): (
        "interaction_id",
        "$response.body#/0/id",
        ("/api/v1/workspace/interactions/{interaction_id}",),
    ),
}


class ProblemItem(BaseModel):
    field: str = Field(description="The field, dotted for nested ones; empty for the whole body.")
    reason: str
    # "in" is a Python keyword: the attribute is named for the schema only.
    where: str | None = Field(default=None, alias="in", description="body, query, path, header")


class Problem(BaseModel):
    """An RFC 9457 problem; ``code`` is stable, ``detail`` is for people."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://ringback.dev/problems/slot-full"])
    title: str
    status: int
    code: str = Field(description="Stable; the error codes tables of the docs list them.")
    detail: str
    instance: str | None = None
    field: str | None = Field(default=None, description="The field at fault, when there is one.")
    errors: list[ProblemItem] | None = Field(
        default=None, description="Every field at fault, for invalid-request."
    )


def refusal_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The 4xx statuses an operation may answer with, besides its own declared ones."""
    statuses = {413, 422}  # every request passes the size and NUL checks (request_limits)
    parameters = operation.get("parameters", [])
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    if schemes:
        statuses.add(401)
    if API_KEY_SCHEME in schemes:
        statuses |= {403, 429}  # a service outside the key's scope; the key's budget
    if COOKIE_SCHEME in schemes and method in CHANGES:
        statuses.add(403)  # the CSRF header of a cookie session
    if "/supervisor/" in path:
        statuses.add(403)  # an agent who is not a supervisor
    if "{" in path:
        statuses.add(404)
        if method in CHANGES:
            statuses.add(409)  # the thing is not in a state that allows it
    if any(p.get("name") == "service" and p.get("in") == "query" for p in parameters):
        statuses.add(404)  # ?service= names no service
    return statuses | EXTRA_STATUSES.get((method, path), set())


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` document problems (built once, then cached like FastAPI's)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _document_problems(schema)
            used = {
                tag
                for ops in schema["paths"].values()
                for op in ops.values()
                for tag in op.get("tags", [])
            }
            schema["tags"] = [
                {"name": name, "description": text}
                for name, text in VENDOR_TAG_DESCRIPTIONS.items()
                if name in used
            ]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _document_problems(schema: dict[str, Any]) -> None:
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(problem_schema.pop("$defs"))
    components["Problem"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's shape, never sent
        components.pop(name, None)
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if VENDOR_TAGS & set(operation.get("tags", [])):
                responses.pop("422", None)  # FastAPI's validation shape: these answer 400
                for refusal in (413, 422):
                    responses[str(refusal)] = {
                        "description": HTTPStatus(refusal).phrase,
                        "content": problem,
                    }
                continue
            if not path.startswith("/api/"):
                continue
            for refusal in refusal_statuses(method, path, operation):
                responses.setdefault(str(refusal), {})
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    response["description"] = HTTPStatus(int(code)).phrase
                    response["content"] = problem
    for (method, path, answer), (parameter, value, targets) in LINKS.items():
        links = schema["paths"][path][method]["responses"][answer].setdefault("links", {})
        for target_path, operations in schema["paths"].items():
            if target_path.startswith(targets):
                for operation in operations.values():
                    links[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {parameter: value},
                    }
