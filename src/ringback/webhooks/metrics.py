"""The webhook figures on /metrics, in the node's registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class WebhookMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "ringback_webhook_attempts",
            "Webhook delivery attempts by result (delivered, failed, disabled: the failure that "
            "disabled its endpoint)",
            ["result"],
            registry=registry,
        )
        self.attempt_seconds = Histogram(
            "ringback_webhook_attempt_duration_seconds",
            "How long an endpoint took to answer a delivery (or to fail)",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.endpoints = Gauge(
            "ringback_webhook_endpoints",
            "Webhook endpoints by state: enabled, failing (enabled, last attempt failed), "
            "disabled (refreshed periodically)",
            ["state"],
            registry=registry,
        )
        self.pending = Gauge(
            "ringback_webhook_deliveries_pending",
            "Deliveries waiting to be sent, held ones of disabled endpoints included "
            "(refreshed periodically)",
            registry=registry,
        )
        self.oldest_pending = Gauge(
            "ringback_webhook_oldest_pending_seconds",
            "Age of the oldest delivery waiting for an enabled endpoint (0 when none)",
            registry=registry,
        )
