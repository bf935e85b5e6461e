"""Prometheus metrics, one registry per app so that several apps can live in one process."""

from __future__ import annotations

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

    def set_callback_counts(self, counts: dict[CallbackState, int]) -> None:
        for state in ACTIVE_STATES:
            self.callbacks.labels(state=state.value).set(counts.get(state, 0))
