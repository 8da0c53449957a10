"""The JSON shape ``guardstream classify`` prints for one text (a stable, documented contract)."""

from __future__ import annotations

from typing import Any

from classifiers.guard import SAFETY_LABELS, Verdict
from pipeline.policy import Policy
from pipeline.processor import Processor


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


def verdict_to_json(text: str, verdict: Verdict, processor: Processor, tenant: str = "default") -> dict[str, Any]:
    policy = processor.policy
    outcome = policy.decide(verdict)
    redacted = (
        processor.redactor.redact_text(text, verdict.pii, tenant).text
        if verdict.pii and policy.pii.action != "allow"
        else text
    )
    forwarded = outcome.decision.value in ("allow", "redact")
    return {
        "decision": outcome.decision.value,
        "reasons": list(outcome.reasons),
        "safety": {
            "label": safety_label(verdict, policy),
            "scores": {label: round(verdict.safety.get(label, 0.0), 4) for label in SAFETY_LABELS},
        },
        "intent": {
            "label": verdict.intent,
            "confidence": round(verdict.intent_confidence, 4),
            "in_scope": verdict.in_scope,
        },
        "route": outcome.route if forwarded else None,
        "pii": [
            {"start": s.start, "end": s.end, "type": s.type, "score": round(s.score, 4), "source": s.source}
            for s in verdict.pii
        ],
        "redacted_text": redacted,
        "model_versions": processor.versions.model_dump(),
        "scan": {"chunks": verdict.chunks, "truncated": verdict.truncated, "evasion": list(verdict.evasion)},
    }
