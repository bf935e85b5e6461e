"""What a running node holds: settings, database, clock, metrics and its background loops."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ringback.callbacks.scheduler import Scheduler
from ringback.clock import Clock
from ringback.db import Database
from ringback.metrics import Metrics
from ringback.outbox import OutboxRelay
from ringback.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    metrics: Metrics
    scheduler: Scheduler
    relay: OutboxRelay


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
