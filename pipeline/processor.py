"""The guard step as a pure function of a batch: raw Kafka records in, output records out.

Kafka-free on purpose: both engines and the unit tests run the same code, and the at-least-once
bookkeeping (produce, then commit) stays in the engines. The decision itself is
``pipeline.decision.decide``, which ``guardstream classify`` calls too, so the two cannot disagree.
For every input exactly one primary output is produced (worker route, blocked, escalation
or dead-letter) plus exactly one audit record, so every message is accounted for.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import structlog

from guardstream.classifiers.guard import Guard, Verdict
from guardstream.pipeline.audit_signing import AuditSigner
from guardstream.pipeline.dead_letter import DeadLetterSealer
from guardstream.pipeline.decision import content_of, decide
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.policy_reload import PolicyReloader
from guardstream.pipeline.redaction import Redactor
from guardstream.pipeline.shadow import Shadow
from guardstream.topics import (
    AuditRecord,
    Decision,
    EnvelopeError,
    ForwardedRequest,
    ModelVersions,
    PiiSummary,
    PolicyChange,
    QuarantinedRequest,
    Request,
    ShadowDecision,
    SourcePosition,
    TopicCatalogue,
    dead_letter_record,
    encode,
    parse_request,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One consumed Kafka record, as bytes, with its position for audit and dead-letter."""

    value: bytes | None
    key: bytes | None
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    topic: str
    key: bytes | None
    value: bytes
    partition: int | None = None  # set for audit records: their chain link names the partition


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """A summary of one decision for live displays and metrics (holds no content)."""

    request_id: str | None
    tenant: str | None
    decision: Decision
    route: str | None
    output_topic: str
    reasons: tuple[str, ...]
    pii_counts: dict[str, int]
    intent: str | None
    dead_letter_reason: str | None = None
    shadow_decision: Decision | None = None


@dataclass(slots=True)
class BatchResult:
    records: list[OutgoingRecord] = field(default_factory=list)
    decided: list[DecisionSummary] = field(default_factory=list)
    classify_ms: float = 0.0
    audit_links: int = 0  # audit records chained in this batch
    audit_alg: str = "sha256"


def _now() -> datetime:
    return datetime.now(UTC)


class Processor:
    """Parses, classifies, decides, redacts and builds every output of a batch."""

    def __init__(
        self,
        guard: Guard,
        policy: Policy,
        redactor: Redactor,
        catalogue: TopicCatalogue,
        *,
        max_message_bytes: int = 1_048_576,
        max_json_depth: int = 32,
        sealer: DeadLetterSealer | None = None,
        reloader: PolicyReloader | None = None,
        signer: AuditSigner | None = None,
        shadow: Shadow | None = None,
    ):
        self.guard = guard
        self.policy = policy.bind(guard.operating_points, guard.intent_labels)
        self.reloader = reloader
        self.redactor = redactor
        self.catalogue = catalogue
        self.max_message_bytes = max_message_bytes
        self.max_json_depth = max_json_depth
        self.sealer = sealer or DeadLetterSealer(max_original_bytes=700_000)
        self.signer = signer or AuditSigner(catalogue.audit.partitions)
        self._policy_change: PolicyChange | None = None
        self.shadow = shadow
        versions = guard.versions
        self.versions = ModelVersions(
            model=versions["model"], policy=policy.version, recognizers=versions["recognizers"]
        )

    # -- the batch -----------------------------------------------------------------------
    def process(self, batch: Sequence[RawMessage]) -> BatchResult:
        if self.reloader is not None and (new := self.reloader.check(self.policy)) is not None:
            self.apply_policy(new)  # between batches: one batch is always decided by one policy
        result = BatchResult()
        parsed: list[tuple[RawMessage, Request, float]] = []
        for raw in batch:
            started = time.perf_counter()
            try:
                request = parse_request(
                    raw.value if raw.value is not None else b"",
                    max_bytes=self.max_message_bytes,
                    max_depth=self.max_json_depth,
                )
            except EnvelopeError as error:
                self._dead_letter(raw, error, result)
                continue
            parsed.append((raw, request, (time.perf_counter() - started) * 1000))
        if not parsed:
            return result

        texts = [content_of(request) for _, request, _ in parsed]
        started = time.perf_counter()
        verdicts = self.classify_texts(texts)
        result.classify_ms = (time.perf_counter() - started) * 1000
        per_message_ms = result.classify_ms / len(parsed)
        shadow_verdicts = self.shadow.verdicts(texts, verdicts) if self.shadow is not None else verdicts
        for (raw, request, parse_ms), text, verdict, shadow_verdict in zip(
            parsed, texts, verdicts, shadow_verdicts, strict=True
        ):
            if isinstance(verdict, Exception):
                self._dead_letter(raw, verdict, result, stage="classify")
                continue
            try:
                shadow = self.shadow.decide(request, shadow_verdict) if self.shadow is not None else None
                self._decide_one(raw, request, text, verdict, parse_ms, per_message_ms, result, shadow)
            except Exception as error:  # a bug must not lose the message: dead-letter it
                log.exception("processing_failed", request_id=request.id, error_type=type(error).__name__)
                self._dead_letter(raw, error, result, stage="classify")
        return result

    def apply_policy(self, policy: Policy) -> None:
        """Switch to a validated, bound policy (same routes, same salt), as hot reload does.

        The next audit record written carries the change (``policy_change``), so the reload is in the trail.
        """
        self._policy_change = PolicyChange(previous=self.policy.version, current=policy.version, reloaded_at=_now())
        self.policy = policy
        self.redactor = self.redactor.for_rule(policy.pii)
        self.versions = self.versions.model_copy(update={"policy": policy.version})

    def classify_requests(self, requests: Sequence[Request]) -> list[Verdict | Exception]:
        """Classify requests as the worker does (chat turns joined), errors isolated per request."""
        return self.classify_texts([content_of(request) for request in requests])

    def classify_texts(self, texts: list[str]) -> list[Verdict | Exception]:
        """Classify a batch; if the batch call fails, isolate the failing texts one by one (and return their errors)."""
        try:
            return list(self.guard.classify(texts))
        except Exception as error:
            log.warning("batch_classify_failed", size=len(texts), error_type=type(error).__name__)
        verdicts: list[Verdict | Exception] = []
        for text in texts:
            try:
                verdicts.append(self.guard.classify([text])[0])
            except Exception as error:
                verdicts.append(error)
        return verdicts

    # -- one message ---------------------------------------------------------------------
    def _decide_one(
        self,
        raw: RawMessage,
        request: Request,
        text: str,
        verdict: Verdict,
        parse_ms: float,
        classify_ms: float,
        result: BatchResult,
        shadow: ShadowDecision | None = None,
    ) -> None:
        started = time.perf_counter()
        decided = decide(request, verdict, self.policy, self.redactor)
        versions = self.versions_for(decided.policy_version)
        processed_at = _now()
        # Fields both output shapes share: redacted content, scores, provenance.
        shared = {
            "id": request.id,
            "tenant": request.tenant,
            "conversation_id": request.conversation_id,
            "text": decided.text,
            "messages": list(decided.messages) if decided.messages is not None else None,
            "intent": decided.intent,
            "safety": decided.safety,
            "pii": decided.pii,
            "versions": versions,
            "created_at": request.created_at,
            "processed_at": processed_at,
        }
        body: ForwardedRequest | QuarantinedRequest
        if decided.route is not None:
            topic = self.catalogue.route(decided.route).name
            body = ForwardedRequest(**shared, route=decided.route, decision=decided.decision, metadata=request.metadata)
        else:
            spec = self.catalogue.blocked if decided.decision is Decision.BLOCK else self.catalogue.escalation
            topic = spec.name
            body = QuarantinedRequest(**shared, decision=decided.decision, reasons=list(decided.reasons))
        # Same key as the input (conversation, else request id): a conversation stays in order
        # on the worker topics too. The audit trail is keyed by request id.
        result.records.append(OutgoingRecord(topic, request.key(), encode(body)))
        policy_ms = (time.perf_counter() - started) * 1000
        audit = AuditRecord(
            request_id=request.id,
            tenant=request.tenant,
            decision=decided.decision,
            reasons=list(decided.reasons),
            output_topic=topic,
            route=decided.route,
            intent=decided.intent,
            safety=decided.safety,
            pii=decided.pii,
            versions=versions,
            timings_ms={
                "parse": round(parse_ms, 3),
                "classify": round(classify_ms, 3),
                "policy": round(policy_ms, 3),
            },
            source=SourcePosition(topic=raw.topic, partition=raw.partition, offset=raw.offset),
            text_chars=len(text),
            processed_at=processed_at,
            shadow=shadow,
        )
        self._append_audit(result, audit, request.id.encode())
        result.decided.append(
            DecisionSummary(
                request_id=request.id,
                tenant=request.tenant,
                decision=decided.decision,
                route=decided.route,
                output_topic=topic,
                reasons=decided.reasons,
                pii_counts=decided.pii.counts,
                intent=verdict.intent,
                shadow_decision=shadow.decision if shadow is not None else None,
            )
        )

    def _append_audit(self, result: BatchResult, audit: AuditRecord, key: bytes) -> None:
        """Append the audit record as the next link of this writer's chain for the partition it goes to."""
        if self._policy_change is not None:
            audit = audit.model_copy(update={"policy_change": self._policy_change})
            self._policy_change = None
        partition, value = self.signer.sign(audit, key)
        result.records.append(OutgoingRecord(self.catalogue.audit.name, key, value, partition))
        result.audit_links += 1
        result.audit_alg = self.signer.alg

    def versions_for(self, policy_version: str) -> ModelVersions:
        """The versions stamped on a decision: the effective (tenant) policy's, not always the base one."""
        if policy_version == self.versions.policy:
            return self.versions
        return self.versions.model_copy(update={"policy": policy_version})

    # -- dead letters --------------------------------------------------------------------
    def _dead_letter(
        self,
        raw: RawMessage,
        error: Exception,
        result: BatchResult,
        stage: Literal["parse", "validate", "classify", "produce"] | None = None,
    ) -> None:
        source = SourcePosition(topic=raw.topic, partition=raw.partition, offset=raw.offset)
        value = raw.value if raw.value is not None else b""
        record = self.sealer.seal(dead_letter_record(b"", raw.key, error, source, stage=stage or "classify"), value)
        topic = self.catalogue.dead_letter.name
        result.records.append(OutgoingRecord(topic, raw.key, encode(record)))
        audit = AuditRecord(
            request_id=None,
            tenant=None,
            decision=Decision.DEAD_LETTER,
            reasons=[f"dead_letter.{record.reason.value}"],
            output_topic=topic,
            pii=PiiSummary(),
            versions=self.versions,
            timings_ms={},
            source=source,
            text_chars=len(value),
            processed_at=_now(),
        )
        audit_key = f"{raw.topic}/{raw.partition}/{raw.offset}".encode()
        self._append_audit(result, audit, audit_key)
        result.decided.append(
            DecisionSummary(
                request_id=None,
                tenant=None,
                decision=Decision.DEAD_LETTER,
                route=None,
                output_topic=topic,
                reasons=tuple(audit.reasons),
                pii_counts={},
                intent=None,
                dead_letter_reason=record.reason.value,
            )
        )
