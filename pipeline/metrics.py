"""Prometheus metrics for the worker.

Label values come from closed sets only (decision, route, entity type, dead-letter reason),
never from request content or ids, so no raw PII can reach a metrics backend and label
cardinality stays bounded.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from guardstream.pipeline.health import Health, serve
from guardstream.pipeline.processor import BatchResult


class Metrics:
    """The worker's counters and histograms, on their own registry (tests can make many)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.health = Health()  # readiness, answered on /readyz next to /metrics
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

        self.shadow_decisions = Counter(
            "guardstream_shadow_decisions_total",
            "Shadow decisions next to live ones, by live and shadow decision (they differ where the two do)",
            ["live", "shadow"],
            registry=self.registry,
        )
        self.shadow_disagreements = Counter(
            "guardstream_shadow_disagreements_total",
            "Messages whose shadow decision differs from the live one",
            registry=self.registry,
        )
        self.audit_links = Counter(
            "guardstream_audit_chain_links_total",
            "Audit records linked into this worker's hash chains, by algorithm (hmac-sha256, sha256)",
            ["alg"],
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
            if decided.shadow_decision is not None:
                self.shadow_decisions.labels(decided.decision.value, decided.shadow_decision.value).inc()
                if decided.shadow_decision is not decided.decision:
                    self.shadow_disagreements.inc()
        if result.audit_links:
            self.audit_links.labels(result.audit_alg).inc(result.audit_links)

    def serve(self, port: int, addr: str = "127.0.0.1") -> int:
        """Expose ``/metrics``, ``/healthz`` and ``/readyz`` over HTTP (bind 0.0.0.0 in a container); the port."""
        return serve(self.health, self.registry, port, addr).server_port


def verification_registry(intact: bool, records: int, counts: dict[str, int]) -> CollectorRegistry:
    """``audit verify``'s outcome as gauges, for ``--metrics-file`` (node exporter's textfile collector)."""
    registry = CollectorRegistry()
    Gauge(
        "guardstream_audit_verify_intact",
        "1 when the last `guardstream audit verify` found every chain intact, 0 otherwise",
        registry=registry,
    ).set(1 if intact else 0)
    Gauge("guardstream_audit_verify_records", "Audit records the last verification read", registry=registry).set(
        records
    )
    findings = Gauge(
        "guardstream_audit_verify_findings",
        "Problems the last `guardstream audit verify` found, by kind",
        ["problem"],
        registry=registry,
    )
    for problem in ("changed", "dropped", "reordered", "inserted", "unchained", "undecodable", "key_required"):
        findings.labels(problem).set(counts.get(problem, 0))
    return registry
