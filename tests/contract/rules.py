"""schemathesis hooks for the contract run (loaded by name from schemathesis.toml)."""

from __future__ import annotations

import schemathesis
from schemathesis import Case, CheckContext, Response


@schemathesis.check
def schema_valid_requests_pass_validation(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """A request generated from the schema is never refused as invalid-request.

    A 422 for such a request must name a product rule (``beyond-booking-horizon``,
    ``slot-full``...); ``invalid-request`` would mean the schema promised more than the server
    accepts.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 422 and response.json().get("code") == "invalid-request":
        raise AssertionError(
            f"the schema allows this request, the server refused it: {response.text}"
        )
    return True
