"""Prometheus metrics for the worker.

Label values come from closed sets only (decision, route, entity type, dead-letter reason),
never from request content or ids, so no raw PII can reach a metrics backend and label
cardinality stays bounded.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from guardstream.pipeline.processor import BatchResult


class Metrics:
    """The worker's counters and histograms, on their own registry (tests can make many)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.messages = Counter(
            "guardstream_messages_total",
            "Input messages by decision and output route",
            ["decision", "route"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "guardstream_dead_letters_total", "Dead-lettered inputs by reason", ["reason"], registry=self.registry
        )
        self.pii_entities = Counter(
            "guardstream_pii_entities_total", "PII entities found, by type", ["entity_type"], registry=self.registry
        )
        self.batch_size = Histogram(
            "guardstream_batch_size",
            "Messages per processed batch",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
            registry=self.registry,
        )
        self.classify_seconds = Histogram(
            "guardstream_classify_seconds",
            "Model + recognizer time per batch",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

        self.policy_reloads = Counter(
            "guardstream_policy_reloads_total",
            "Policy file changes seen by hot reload, by result (applied, refused)",
            ["result"],
            registry=self.registry,
        )

    def observe_policy_reload(self, result: str) -> None:
        self.policy_reloads.labels(result).inc()

    def observe_batch(self, result: BatchResult) -> None:
        self.batch_size.observe(len(result.decided))
        self.classify_seconds.observe(result.classify_ms / 1000.0)
        for decided in result.decided:
            self.messages.labels(decided.decision.value, decided.route or "-").inc()
            if decided.dead_letter_reason:
                self.dead_letters.labels(decided.dead_letter_reason).inc()
            for entity_type, count in decided.pii_counts.items():
                self.pii_entities.labels(entity_type).inc(count)

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Expose ``/metrics`` over HTTP (bind 0.0.0.0 explicitly in a container)."""
        start_http_server(port, addr=addr, registry=self.registry)
