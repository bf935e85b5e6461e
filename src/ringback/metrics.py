"""Prometheus metrics, one registry per app so that several apps can live in one process."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ringback.callbacks.states import ACTIVE_STATES, CallbackState


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ringback_http_requests",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "ringback_http_request_duration_seconds",
            "HTTP request duration",
            ["method", "route"],
            registry=self.registry,
        )
        self.callbacks = Gauge(
            "ringback_callbacks",
            "Callbacks scheduled or in progress, by state (refreshed periodically)",
            ["state"],
            registry=self.registry,
        )
        self.callbacks_created = Counter(
            "ringback_callbacks_created",
            "Callbacks accepted through the API, by service and type",
            ["service", "type"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "ringback_refusals",
            "Refused requests by problem code",
            ["code"],
            registry=self.registry,
        )
        self.scheduler_lateness = Histogram(
            "ringback_scheduler_lateness_seconds",
            "How late a callback became due, compared with its due time",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 3600),
            registry=self.registry,
        )
        self.scheduler_lag = Gauge(
            "ringback_scheduler_lag_seconds",
            "Age of the oldest callback that is due but not yet queued (0 when none)",
            registry=self.registry,
        )

        self.loop_passes = Counter(
            "ringback_loop_passes",
            "Passes each of the node's loops completed (docs/operations.md lists the loops)",
            ["loop"],
            registry=self.registry,
        )
        self.loop_items = Counter(
            "ringback_loop_items",
            "What each loop's passes handled: callbacks made due, offers, events, messages",
            ["loop"],
            registry=self.registry,
        )
        self.loop_failures = Counter(
            "ringback_loop_failures",
            "Passes of each loop that failed (and are tried again)",
            ["loop"],
            registry=self.registry,
        )
        self.loop_lag = Gauge(
            "ringback_loop_lag_seconds",
            "Seconds since each loop last completed a pass",
            ["loop"],
            registry=self.registry,
        )

    def loop(self, name: str) -> LoopCounts:
        """The counts of one of the node's loops, shown in /metrics under its name."""
        counts = LoopCounts(
            self.loop_passes.labels(loop=name),
            self.loop_items.labels(loop=name),
            self.loop_failures.labels(loop=name),
        )
        self.loop_lag.labels(loop=name).set_function(counts.seconds_since_pass)
        return counts

    def set_callback_counts(self, counts: dict[CallbackState, int]) -> None:
        for state in ACTIVE_STATES:
            self.callbacks.labels(state=state.value).set(counts.get(state, 0))


@dataclass
class LoopCounts:
    """One loop's passes, items and failures; its lag is read from the last pass's time."""

    passes: Counter
    items: Counter
    failures: Counter
    last_pass: float = field(default_factory=time.monotonic)

    def passed(self, items: int = 0) -> None:
        self.passes.inc()
        if items:
            self.items.inc(items)
        self.last_pass = time.monotonic()

    def failed(self) -> None:
        self.failures.inc()

    def seconds_since_pass(self) -> float:
        return time.monotonic() - self.last_pass
