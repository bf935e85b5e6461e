"""What a running node holds: settings, database, clock, metrics, the switch and its loops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ringback.clock import Clock
from ringback.db import Database
from ringback.email.sender import EmailSender
from ringback.metrics import Metrics
from ringback.outbox import OutboxRelay
from ringback.realtime.hub import Hub
from ringback.routing.engine import RoutingEngine
from ringback.settings import Settings
from ringback.telephony.bridge import SwitchBridge
from ringback.timers import Timers
from ringback.webhooks.dispatcher import WebhookDispatcher


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    metrics: Metrics
    timers: Timers
    relay: OutboxRelay
    routing: RoutingEngine
    hub: Hub
    bridge: SwitchBridge
    mail: EmailSender
    webhooks: WebhookDispatcher


async def get_runtime(request: Request) -> Runtime:
    """The node's runtime (async: a plain function would be run on a worker thread)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
