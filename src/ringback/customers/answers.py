"""The customer's link in the Callback API's answers (``manage_url``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ringback.customers.links import CustomerLinks, base_url, link_key
from ringback.runtime import RuntimeDep


async def customer_links(request: Request, runtime: RuntimeDep) -> CustomerLinks:
    """Links on the public URL (or this request's address), signed with the node's key."""
    return CustomerLinks(
        base_url(runtime.settings, str(request.base_url)),
        await link_key(runtime.db, runtime.settings),
    )


CustomerLinksDep = Annotated[CustomerLinks, Depends(customer_links)]
