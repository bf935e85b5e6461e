"""Inbound calls: the IVR or the ACD says a number called in, so its callbacks can be settled."""

from __future__ import annotations

from fastapi import APIRouter

from ringback.auth import ApiUnit
from ringback.inbound import service
from ringback.inbound.schemas import CallbackOutcome, InboundCall, InboundCallRead
from ringback.runtime import RuntimeDep

router = APIRouter(prefix="/api/v1/inbound-calls", tags=["inbound calls"])


@router.post(
    "",
    response_model=InboundCallRead,
    responses={404: {"description": "The service named in the body does not exist."}},
)
async def record_inbound_call(
    call: InboundCall, api: ApiUnit, runtime: RuntimeDep
) -> InboundCallRead:
    """A number called in: its active callbacks are completed, kept or merged, per service."""
    handled = await service.record_inbound_call(
        api.session, call=call, caller=api.caller, now=runtime.clock.now()
    )
    return InboundCallRead(
        stage=call.stage,
        callbacks=[
            CallbackOutcome(
                id=h.callback.id,
                service=h.service.name,
                policy=h.service.config.inbound_first,
                outcome=h.outcome,
                from_state=h.from_state,
                state=h.callback.state,
                reason=h.reason,
            )
            for h in handled
        ],
    )
