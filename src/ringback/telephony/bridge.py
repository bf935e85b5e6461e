"""Between the database and the switch: commands out of the outbox, events into interactions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog

from ringback.clock import Clock
from ringback.db import Database
from ringback.interactions import switch_events
from ringback.interactions.reconcile import reconcile, settle_call
from ringback.metrics import LoopCounts
from ringback.outbox import OutboxEvent
from ringback.telephony import repository
from ringback.telephony.switch import (
    CallState,
    CallStateChanged,
    DialCompleted,
    DialResult,
    EventPosition,
    Switch,
    SwitchError,
    SwitchEvent,
    SwitchReset,
)

log = structlog.get_logger(__name__)
ATTEMPTS_PER_EVENT = 3  # how often a shared switch's event is tried before it is skipped

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
    """Applies the switch's events to interactions, and sends it the outbox's requests.

    An in-process switch lives and dies with its node: at start, the calls it does not hold are
    over. A shared switch (the switch service) outlives nodes: its events carry positions, each
    applied once whichever node receives it (the switch cursor), and a restart of the switch
    arrives as a :class:`SwitchReset`.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        switch: Switch,
        *,
        shared: bool = False,
        counts: LoopCounts | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.switch = switch
        self._shared = shared
        # Events arrive from the switch rather than from a loop of ours: each applied event is
        # counted as a pass of the "switch-events" loop.
        self._counts = counts
        self._failures: dict[EventPosition, int] = {}
        switch.subscribe(self.on_switch_event)

    async def start(self) -> None:
        """Start the switch; an in-process one settles the interactions it does not hold."""
        await self.switch.start()
        if self._shared:
            return
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
            elif exc.code == "unknown-call":
                # The switch lost the call (a restart) or never had it: it is over, and an
                # agent pressing End Call again would otherwise wait for it for ever.
                async with self._db.transaction() as session:
                    await settle_call(session, call_id=arguments["call_id"], now=self._clock.now())

    async def _dial_failed(self, call_id: str, now: datetime) -> None:
        for failure in (
            DialCompleted(call_id=call_id, at=now, result=DialResult.NETWORK_ERROR),
            CallStateChanged(
                call_id=call_id, at=now, state=CallState.RELEASED, cause="network_error"
            ),
        ):
            await self.on_switch_event(failure)

    async def on_switch_event(self, event: SwitchEvent) -> None:
        if isinstance(event, SwitchReset):
            await self._reset(event)
            return
        try:
            async with self._db.transaction() as session:
                if event.position is not None and not await repository.advance(
                    session, event.position, now=self._clock.now()
                ):
                    return  # another node applied it
                await switch_events.apply(session, event, now=self._clock.now())
        except Exception:
            if self._counts is not None:
                self._counts.failed()
            if event.position is None or not await self._give_up_on(event):
                raise  # a shared switch's stream resumes from the cursor: the event comes again
        else:
            self._failures.clear()
            if self._counts is not None:
                self._counts.passed(1)

    async def _give_up_on(self, event: SwitchEvent) -> bool:
        """After a few failures, step past an event that cannot be applied (a fault in the
        product, or data it cannot handle), rather than hold back every call behind it."""
        assert event.position is not None
        self._failures[event.position] = self._failures.get(event.position, 0) + 1
        if self._failures[event.position] < ATTEMPTS_PER_EVENT:
            return False
        async with self._db.transaction() as session:
            await repository.advance(session, event.position, now=self._clock.now())
        log.error(
            "switch event skipped after repeated failures",
            call_id=event.call_id,
            kind=type(event).__name__,
            event_id=event.position.id,
        )
        self._failures.pop(event.position, None)
        return True

    async def settle_orphans(self, *, unchanged_for: timedelta) -> int:
        """Settle calls the switch does not hold whose interactions did not change for a while.

        A request can be lost between the outbox's claim and the switch (the node died in
        between): its interaction would wait for events that never come. Calls unchanged for
        ``unchanged_for`` that the switch does not know are over; recent ones may still be on
        their way to it. Nothing is done while the switch cannot be asked, nor for a switch in
        the node's own process (it dies with the node, and start-up settles its calls).
        """
        if not self._shared:
            return 0
        try:
            known = await self.switch.active_calls()
        except SwitchError:
            return 0
        now = self._clock.now()
        async with self._db.transaction() as session:
            settled = await reconcile(
                session, known_calls=known, now=now, changed_before=now - unchanged_for
            )
        if settled:
            log.warning("calls the switch never had or lost were settled", interactions=settled)
        return settled

    async def _reset(self, event: SwitchReset) -> None:
        assert event.position is not None
        known = await self.switch.active_calls()
        async with self._db.transaction() as session:
            if not await repository.advance(session, event.position, now=self._clock.now()):
                return  # another node settled it
            # Calls changed since the switch restarted belong to its new run: never settle those.
            settled = await reconcile(
                session, known_calls=known, now=self._clock.now(), changed_before=event.at
            )
        log.warning(
            "the switch restarted or dropped events",
            epoch=event.position.epoch,
            settled_interactions=settled,
        )
