"""The JSON shape ``guardstream classify`` prints for one request (a stable, documented contract).

Rendering only: the decision, route and redacted content come from ``pipeline.decision.decide``, the
function the worker runs, so what is printed here is what the worker would forward.
"""

from __future__ import annotations

from typing import Any

from guardstream.classifiers.guard import SAFETY_LABELS, Verdict
from guardstream.pipeline.decision import Decided
from guardstream.pipeline.policy import Policy
from guardstream.topics import DeadLetterReason, ModelVersions, Request


def safety_label(verdict: Verdict, policy: Policy) -> str:
    """The strongest safety category that crosses any of its thresholds, else ``benign``."""
    flagged = []
    for label in SAFETY_LABELS:
        rule = policy.safety[label]
        thresholds = [t for t in (rule.escalate, rule.block) if t is not None]
        score = verdict.safety.get(label, 0.0)
        if thresholds and score >= min(thresholds):
            flagged.append((score, label))
    return max(flagged)[1] if flagged else "benign"


def decision_to_json(
    request: Request, verdict: Verdict, decided: Decided, policy: Policy, versions: ModelVersions
) -> dict[str, Any]:
    """One request's verdict and decision; PII offsets point into the scanned text (chat turns joined by \\n).

    ``versions`` are the ones the worker would stamp on it (``Processor.versions_for``).
    """
    policy = policy.for_tenant(request.tenant)
    return {
        "id": request.id,
        "tenant": request.tenant,
        "decision": decided.decision.value,
        "reasons": list(decided.reasons),
        "safety": {
            "label": safety_label(verdict, policy),
            "scores": {label: round(verdict.safety.get(label, 0.0), 4) for label in SAFETY_LABELS},
        },
        "intent": {
            "label": verdict.intent,
            "confidence": round(verdict.intent_confidence, 4),
            "in_scope": verdict.in_scope,
        },
        "route": decided.route,
        "pii": [
            {"start": s.start, "end": s.end, "type": s.type, "score": round(s.score, 4), "source": s.source}
            for s in verdict.pii
        ],
        "redacted_text": decided.text,
        "redacted_messages": (
            [m.model_dump(mode="json") for m in decided.messages] if decided.messages is not None else None
        ),
        "model_versions": versions.model_dump(),
        "scan": {"chunks": verdict.chunks, "truncated": verdict.truncated, "evasion": list(verdict.evasion)},
    }


def classify_failure_json(request: Request, error: Exception) -> dict[str, Any]:
    """A request the model could not score: the worker dead-letters it, so ``classify`` says so."""
    return {
        "id": request.id,
        "tenant": request.tenant,
        "decision": "dead_letter",
        "reasons": [f"dead_letter.{DeadLetterReason.PROCESSING_ERROR.value}"],
        "error_type": type(error).__name__,
        "route": None,
    }
