"""The batch classification API: ``texts -> verdicts`` for safety, intent and PII.

One ONNX encoder pass (``GuardModel``) scores all three tasks; the pattern recognizers add
checksum-validated PII spans that a small model should never be trusted to find alone
(card numbers, IBANs, SSNs...).  Both span lists are merged into one non-overlapping list
with offsets into the original text, ready for redaction.  Policy (what to *do* with a
verdict) lives in ``pipeline.policy``: this module only measures.

Cheap evasions (homoglyphs, leetspeak, spelled-out letters, base64/hex/rot13 payloads) are undone by
``classifiers.normalize.labelled_variants``: the variants ride in the same model batch as the originals and each
safety score is the max over a text and its variants, so an obfuscated attack scores like the plain one while
intent and PII (whose offsets must point into the original) still come from the original alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from guardstream.classifiers import language
from guardstream.classifiers.inference import GuardModel, ModelVerdict
from guardstream.classifiers.ner import TokenNer
from guardstream.classifiers.normalize import Variant, labelled_variants
from guardstream.classifiers.pii import PiiSpan, RecognizerRegistry, merge_spans, propagate, whole_words
from guardstream.classifiers.pii.propagate import join_touching

SAFETY_LABELS = ("injection", "toxic", "harmful")
# A variant is reported in ``Verdict.evasion`` only if it lifts some safety score by at least this much:
# variants of a benign text wobble by a few thousandths, which says nothing about an evasion.
EVASION_MIN_GAIN = 0.01
# Which text gets the multilingual PII model: none, text that is not English (default), or all text.
MultilingualPii = Literal["off", "non_english", "all"]

# Entity types taken from the token model. Structured types (cards, IBANs, SSNs, e-mails, IPs, phones, URLs)
# come from the pattern recognizers alone: their checksums and parsers are precise, while the model's spans
# for those types were mostly fragments of street addresses and dates (precision 0.03-0.26 on presidio_synth,
# v0.2 candidate), and a false CREDIT_CARD over an order number costs the downstream LLM real context.
MODEL_PII_TYPES = frozenset({"PERSON", "LOCATION", "DATE_TIME"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything the models and recognizers found in one text (no decision yet).

    ``evasion`` lists the variant kinds ("normalized", "base64", "hex", "rot13") that scored higher than the
    text as written: the safety scores already include them, the field says *why* a score is high for the
    audit trail. It has a default so code that builds verdicts itself keeps working.
    """

    safety: dict[str, float]
    intent: str
    intent_confidence: float
    in_scope: bool
    pii: tuple[PiiSpan, ...]
    chunks: int
    truncated: bool
    evasion: tuple[str, ...] = ()
    # the language the PII path was chosen by (``classifiers.language``): en, de, fr, es, it, pt, nl or und
    language: str = "und"


class Guard:
    """Runs the multi-task model and the PII recognizers over batches of texts."""

    def __init__(
        self,
        model: GuardModel,
        recognizers: RecognizerRegistry,
        *,
        pii_min_score: float = 0.5,
        ner: TokenNer | None = None,
        ner_for_english: bool = False,
    ):
        self.model = model
        self.recognizers = recognizers
        self.pii_min_score = pii_min_score
        # PII spans for text that is not English come from this multilingual model instead of the built-in head
        self.ner = ner
        # also for English (and undetermined) text: ~4x the PII cost of the built-in head, far fewer names missed
        self.ner_for_english = ner_for_english

    @classmethod
    def load(
        cls,
        bundle_dir: str | Path | None = None,
        *,
        intra_op_threads: int | None = None,
        phone_regions: Sequence[str] | None = None,
        pii_min_score: float = 0.5,
        multilingual_pii: MultilingualPii = "non_english",
        ner_dir: str | Path | None = None,
    ) -> Guard:
        model = GuardModel.load(bundle_dir, intra_op_threads=intra_op_threads)
        registry = (
            RecognizerRegistry.default(phone_regions=tuple(phone_regions))
            if phone_regions
            else RecognizerRegistry.default()
        )
        ner = TokenNer.load(ner_dir, intra_op_threads=intra_op_threads) if multilingual_pii != "off" else None
        return cls(model, registry, pii_min_score=pii_min_score, ner=ner, ner_for_english=multilingual_pii == "all")

    @property
    def operating_points(self) -> dict[str, float]:
        """The bundle's validated safety thresholds, which a policy's ``calibrated`` thresholds resolve to."""
        return dict(self.model.manifest.tasks.safety.thresholds)

    @property
    def intent_labels(self) -> tuple[str, ...]:
        """Every intent the bundle can predict (``oos`` included)."""
        return tuple(self.model.manifest.tasks.intent.labels)

    @property
    def versions(self) -> dict[str, str]:
        """Versions to stamp on every output so each decision is traceable to its models."""
        recognizers = self.recognizers.version + (f"+{self.ner.version}" if self.ner is not None else "")
        return {"model": self.model.version, "recognizers": recognizers}

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """Classify a batch; results are in input order, one per text.

        Originals and their evasion variants go through the model as ONE batch (one tokenizer call, shared
        length-sorted ONNX batches), so obfuscated traffic costs extra windows, not extra calls.
        """
        if not texts:
            return []
        variants = [labelled_variants(text) for text in texts]
        extra = [v.text for vs in variants for v in vs]
        model_verdicts = self.model.predict([*texts, *extra])
        originals, scored = model_verdicts[: len(texts)], iter(model_verdicts[len(texts) :])
        languages = [language.detect(text) for text in texts]
        other = [
            i
            for i, lang in enumerate(languages)
            if self.ner_for_english or lang not in (language.ENGLISH, language.UNKNOWN)
        ]
        multilingual = (
            dict(zip(other, self.ner.predict([texts[i] for i in other]), strict=True))
            if self.ner is not None and other
            else {}
        )
        out = []
        for i, (text, mv, vs) in enumerate(zip(texts, originals, variants, strict=True)):
            safety, evasion = _max_safety(mv.safety, [(v, next(scored).safety) for v in vs])
            out.append(self._verdict(text, mv, safety, evasion, languages[i], multilingual.get(i)))
        return out

    def _verdict(
        self,
        text: str,
        mv: ModelVerdict,
        safety: dict[str, float],
        evasion: tuple[str, ...],
        lang: str,
        ner_spans: list[PiiSpan] | None,
    ) -> Verdict:
        if ner_spans is not None and lang not in (language.ENGLISH, language.UNKNOWN):
            model_spans = ner_spans  # the English-only head tags ordinary words of other languages as names
        else:
            model_spans = [
                PiiSpan(span.start, span.end, span.type, span.score, "model")
                for span in mv.pii
                if span.type in MODEL_PII_TYPES
                and span.score >= self.pii_min_score
                and 0 <= span.start < span.end <= len(text)
            ]
            if ner_spans is not None:
                model_spans += ner_spans  # English text read by both (multilingual_pii: all)
        pattern_spans = self.recognizers.analyze(text)
        merged = merge_spans(pattern_spans, whole_words(text, model_spans)) if (model_spans or pattern_spans) else []
        if merged:  # every other occurrence of what was found (a name in the signature, the assistant's turn)
            merged = join_touching(text, merge_spans(merged, propagate(text, merged)))
        return Verdict(
            safety=safety,
            intent=mv.intent,
            intent_confidence=mv.intent_confidence,
            in_scope=mv.in_scope,
            pii=tuple(merged),
            chunks=mv.chunks,
            truncated=mv.truncated,
            evasion=evasion,
            language=lang,
        )


def _max_safety(
    original: dict[str, float], variants: list[tuple[Variant, dict[str, float]]]
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Per-label max over the original and its variants, plus the variant kinds that raised a label.

    Max (not mean) because a variant exists only to undo an obfuscation: if any reading of the text is an
    attack, the text is one. Ordinary text rarely has a variant at all (none for short chat messages, ~0.6% of
    long benign documents), so the max barely touches precision.
    """
    safety = dict(original)
    evasion: list[str] = []
    for variant, scores in variants:
        for label, score in scores.items():
            if score > safety.get(label, 0.0):
                safety[label] = score
            if score >= original.get(label, 0.0) + EVASION_MIN_GAIN and variant.kind not in evasion:
                evasion.append(variant.kind)
    return safety, tuple(evasion)
