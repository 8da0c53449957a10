"""The one decision path: request + verdict + policy -> decision, reasons, route, redacted content.

A pure function, shared by the worker's processor and by ``guardstream classify`` (and so by anything
built on either), so the command people use to try a policy shows exactly what the worker forwards.
It knows nothing of Kafka: where a decision is sent and how it is audited is the processor's job.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from guardstream.classifiers.guard import SAFETY_LABELS, Verdict
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.redaction import Redactor
from guardstream.topics import ChatMessage, Decision, IntentPrediction, PiiSummary, Request, SafetyScores

# Chat turns are scanned as one text, joined with this separator (PII offsets map back per turn).
CHAT_SEPARATOR = "\n"
_FORWARDED = (Decision.ALLOW, Decision.REDACT)


@dataclass(frozen=True, slots=True)
class Decided:
    """What the guard decided for one request, and the content it lets through (or quarantines).

    ``text`` / ``messages`` are always the redacted content, whatever the decision: the blocked and
    escalation topics hold no raw PII either. ``route`` is where a forwarded request goes (``None`` when it
    is not forwarded). ``policy_version`` is the effective policy: the base version, or "<base>+<tenant>"
    for a tenant with its own overrides.
    """

    decision: Decision
    reasons: tuple[str, ...]
    route: str | None
    text: str | None
    messages: tuple[ChatMessage, ...] | None
    safety: SafetyScores
    intent: IntentPrediction
    pii: PiiSummary
    policy_version: str


def content_of(request: Request) -> str:
    """The text to scan: the prompt, or all chat turns joined (offsets map back per turn)."""
    if request.text is not None:
        return request.text
    assert request.messages is not None  # the envelope validator guarantees one of them
    return CHAT_SEPARATOR.join(message.content for message in request.messages)


@dataclass(frozen=True, slots=True)
class Judgement:
    """The policy's verdict on one request without its content: what a shadow policy records."""

    decision: Decision
    reasons: tuple[str, ...]
    route: str | None
    policy_version: str
    kept: frozenset[str] = frozenset()  # PII types left in clear for the route (forwarded requests only)


def judge(request: Request, verdict: Verdict, policy: Policy) -> Judgement:
    """Decision, reasons and route under the request's (tenant's) policy; no redaction."""
    policy = policy.for_tenant(request.tenant)
    outcome = policy.decide(verdict)
    reasons = list(outcome.reasons)
    if verdict.truncated:
        reasons.append("scan.truncated")
    # which de-obfuscation (normalized, base64, hex, rot13) raised a safety score
    reasons.extend(f"evasion.{kind}" for kind in verdict.evasion)
    return Judgement(
        decision=outcome.decision,
        reasons=tuple(reasons),
        route=outcome.route if outcome.decision in _FORWARDED else None,
        policy_version=policy.version,
        kept=outcome.kept,
    )


def decide(request: Request, verdict: Verdict, policy: Policy, redactor: Redactor | None = None) -> Decided:
    """Apply the policy to one classified request: the decision, why, where it goes, what it carries.

    ``redactor`` carries the hash salt; without one, a policy that hashes is refused with a clear error. The
    request's tenant selects its policy (``Policy.for_tenant``): a tenant without overrides gets the base.
    """
    judgement = judge(request, verdict, policy)
    policy = policy.for_tenant(request.tenant)
    redactor = Redactor(policy.pii, None) if redactor is None else redactor.for_rule(policy.pii)
    text, messages = redact_request(request, verdict, policy, redactor, judgement.kept)
    return Decided(
        decision=judgement.decision,
        reasons=judgement.reasons,
        route=judgement.route,
        text=text,
        messages=messages,
        safety=SafetyScores(**{label: round(verdict.safety.get(label, 0.0), 6) for label in SAFETY_LABELS}),
        intent=IntentPrediction(
            label=verdict.intent, confidence=round(verdict.intent_confidence, 6), in_scope=verdict.in_scope
        ),
        pii=PiiSummary(counts=_count_types(verdict)),
        policy_version=judgement.policy_version,
    )


def redact_request(
    request: Request, verdict: Verdict, policy: Policy, redactor: Redactor, kept: Collection[str] = ()
) -> tuple[str | None, tuple[ChatMessage, ...] | None]:
    """Redact what the policy acts on (``ignore_types`` and ``kept`` stay in the text), in the prompt or every turn."""
    messages = tuple(request.messages) if request.messages is not None else None
    spans = policy.pii.acted_on(verdict.pii, kept)
    if policy.pii.action == "allow" or not spans:
        return request.text, messages
    if request.text is not None:
        return redactor.redact_text(request.text, spans, request.tenant).text, None
    assert messages is not None
    contents = redactor.redact_segments([m.content for m in messages], spans, request.tenant, CHAT_SEPARATOR)
    return None, tuple(ChatMessage(role=m.role, content=c) for m, c in zip(messages, contents, strict=True))


def _count_types(verdict: Verdict) -> dict[str, int]:
    """Counts of every detected type (ignored ones too: the audit says what was seen, never the values)."""
    counts: dict[str, int] = {}
    for span in verdict.pii:
        counts[span.type] = counts.get(span.type, 0) + 1
    return counts
