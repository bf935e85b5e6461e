"""Between the database and the switch: commands out of the outbox, events into interactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from ringback.clock import Clock
from ringback.db import Database
from ringback.interactions import switch_events
from ringback.interactions.reconcile import reconcile
from ringback.outbox import OutboxEvent
from ringback.telephony.switch import (
    CallState,
    CallStateChanged,
    DialCompleted,
    DialResult,
    Switch,
    SwitchError,
    SwitchEvent,
)

log = structlog.get_logger(__name__)

REQUESTS = frozenset(
    {
        "make_call",
        "release",
        "hold",
        "retrieve",
        "single_step_transfer",
        "single_step_conference",
        "init_consultation",
        "complete_transfer",
        "complete_conference",
        "cancel_consultation",
        "send_dtmf",
    }
)


class SwitchBridge:
    def __init__(self, db: Database, clock: Clock, switch: Switch) -> None:
        self._db = db
        self._clock = clock
        self.switch = switch
        switch.subscribe(self.on_switch_event)

    async def start(self) -> None:
        """Start the switch, then settle interactions whose calls it no longer holds."""
        await self.switch.start()
        known = await self.switch.active_calls()
        async with self._db.transaction() as session:
            settled = await reconcile(session, known_calls=known, now=self._clock.now())
        if settled:
            log.warning("calls lost while the node was down", interactions=settled)

    async def deliver(self, event: OutboxEvent) -> None:
        """Send one switch request from the outbox (at most once: never dial twice)."""
        request = event.topic.removeprefix("switch.")
        if request not in REQUESTS:
            log.error("unknown switch request", topic=event.topic)
            return
        arguments: dict[str, Any] = dict(event.payload)
        try:
            await getattr(self.switch, request)(**arguments)
        except SwitchError as exc:
            log.warning(
                "switch refused a request", request=request, code=exc.code, detail=exc.detail
            )
            if request == "make_call":
                await self._dial_failed(arguments["call_id"], self._clock.now())

    async def _dial_failed(self, call_id: str, now: datetime) -> None:
        for failure in (
            DialCompleted(call_id=call_id, at=now, result=DialResult.NETWORK_ERROR),
            CallStateChanged(
                call_id=call_id, at=now, state=CallState.RELEASED, cause="network_error"
            ),
        ):
            await self.on_switch_event(failure)

    async def on_switch_event(self, event: SwitchEvent) -> None:
        async with self._db.transaction() as session:
            await switch_events.apply(session, event, now=self._clock.now())
