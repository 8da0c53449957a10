"""The batch classification API: ``texts -> verdicts`` for safety, intent and PII.

One ONNX encoder pass (``GuardModel``) scores all three tasks; the pattern recognizers add
checksum-validated PII spans that a small model should never be trusted to find alone
(card numbers, IBANs, SSNs...).  Both span lists are merged into one non-overlapping list
with offsets into the original text, ready for redaction.  Policy (what to *do* with a
verdict) lives in ``pipeline.policy``: this module only measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers.inference import GuardModel, ModelVerdict
from classifiers.pii import PiiSpan, RecognizerRegistry, merge_spans

SAFETY_LABELS = ("injection", "toxic", "harmful")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything the models and recognizers found in one text (no decision yet)."""

    safety: dict[str, float]
    intent: str
    intent_confidence: float
    in_scope: bool
    pii: tuple[PiiSpan, ...]
    chunks: int
    truncated: bool


class Guard:
    """Runs the multi-task model and the PII recognizers over batches of texts."""

    def __init__(self, model: GuardModel, recognizers: RecognizerRegistry, *, pii_min_score: float = 0.5):
        self.model = model
        self.recognizers = recognizers
        self.pii_min_score = pii_min_score

    @classmethod
    def load(
        cls,
        bundle_dir: str | Path | None = None,
        *,
        intra_op_threads: int | None = None,
        phone_regions: Sequence[str] | None = None,
        pii_min_score: float = 0.5,
    ) -> Guard:
        model = GuardModel.load(bundle_dir, intra_op_threads=intra_op_threads)
        registry = (
            RecognizerRegistry.default(phone_regions=tuple(phone_regions))
            if phone_regions
            else RecognizerRegistry.default()
        )
        return cls(model, registry, pii_min_score=pii_min_score)

    @property
    def versions(self) -> dict[str, str]:
        """Versions to stamp on every output so each decision is traceable to its models."""
        return {"model": self.model.version, "recognizers": self.recognizers.version}

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """Classify a batch; results are in input order, one per text."""
        model_verdicts = self.model.predict(texts) if texts else []
        return [self._verdict(text, mv) for text, mv in zip(texts, model_verdicts, strict=True)]

    def _verdict(self, text: str, mv: ModelVerdict) -> Verdict:
        model_spans = [
            PiiSpan(span.start, span.end, span.type, span.score, "model")
            for span in mv.pii
            if span.score >= self.pii_min_score and 0 <= span.start < span.end <= len(text)
        ]
        pattern_spans = self.recognizers.analyze(text)
        merged = merge_spans(pattern_spans, model_spans) if (model_spans or pattern_spans) else []
        return Verdict(
            safety=dict(mv.safety),
            intent=mv.intent,
            intent_confidence=mv.intent_confidence,
            in_scope=mv.in_scope,
            pii=tuple(merged),
            chunks=mv.chunks,
            truncated=mv.truncated,
        )
