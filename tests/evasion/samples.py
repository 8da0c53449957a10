"""The evasion suite's sample of injection TEST positives, and a model wrapper that records what it scored."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guardstream.classifiers.inference import GuardModel, ModelVerdict

# Sized to keep the recall test around a minute on two busy cores (80 x 500 chars: ~65 s; the suggested
# 150 x 1,500 chars takes ~4-5 min there). GUARDSTREAM_EVASION_SAMPLE=150 GUARDSTREAM_EVASION_MAX_CHARS=1500
# runs that full configuration.
SAMPLE_SIZE = int(os.environ.get("GUARDSTREAM_EVASION_SAMPLE", "80"))
MAX_CHARS = int(os.environ.get("GUARDSTREAM_EVASION_MAX_CHARS", "500"))  # jailbreaks cut, BIPIA cropped


@dataclass(frozen=True, slots=True)
class Positive:
    """One injection test positive; ``attack`` is the span to obfuscate (the whole text for a jailbreak)."""

    text: str
    attack: tuple[int, int]
    source: str


class RecordingModel:
    """Delegates to the real model and keeps the last batch's verdicts.

    Lets a test read the score of the obfuscated text *as written* (the first ``len(texts)`` results of the
    guard's single batch) without running the model a second time.
    """

    def __init__(self, model: GuardModel) -> None:
        self._model = model
        self.version = model.version
        self.last: list[ModelVerdict] = []

    def predict(self, texts: Sequence[str]) -> list[ModelVerdict]:
        self.last = self._model.predict(texts)
        return self.last


def injection_positives(datasets: Path, bundle_dir: Path) -> list[Positive]:
    """A deterministic sample of the evaluator's injection TEST positives (never training data).

    Same builders and seed as ``classifiers.training.evaluate``: jailbreaks from held-out dedup clusters and BIPIA
    test contexts with test attacks. Sampled by content hash so the sample is stable across runs and machines.
    """
    from guardstream.classifiers.bundle import load_manifest
    from guardstream.classifiers.training.data.build import build_corpus
    from guardstream.classifiers.training.evaluate import _bipia_test

    seed = int(load_manifest(bundle_dir).training.get("seeds", {}).get("train", 13))
    jailbreaks = build_corpus(datasets, seed).test_jailbreak
    bipia, _clean = _bipia_test(datasets, seed)
    n_jb = round(SAMPLE_SIZE * len(jailbreaks) / (len(jailbreaks) + len(bipia)))
    sample = [_jailbreak(e.text, e.source) for e in _by_hash(jailbreaks)[:n_jb]]
    sample += [_bipia(e.text, e.focus, e.source) for e in _by_hash(bipia)[: SAMPLE_SIZE - n_jb] if e.focus]
    return sample


def _by_hash(rows: list) -> list:
    return sorted(rows, key=lambda r: hashlib.sha256(r.text.encode()).hexdigest())


def _jailbreak(text: str, source: str) -> Positive:
    """The first MAX_CHARS characters (cut at a space): the jailbreak framing is what opens the prompt."""
    text = text.strip()
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", 0, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    return Positive(text, (0, len(text)), source)


def _bipia(text: str, focus: tuple[int, int], source: str) -> Positive:
    """The document cropped to about MAX_CHARS around the injected attack, which is always kept whole."""
    start, end = focus
    budget = max(0, MAX_CHARS - (end - start))
    lo = max(0, start - budget // 2)
    hi = min(len(text), end + budget - (start - lo))
    lo = _snap(text, lo, forward=True, limit=start)
    hi = _snap(text, hi, forward=False, limit=end)
    return Positive(text[lo:hi], (start - lo, end - lo), source)


def _snap(text: str, pos: int, *, forward: bool, limit: int) -> int:
    """Move a crop edge to a whitespace boundary without crossing into the attack."""
    if pos in (0, len(text)):
        return pos
    if forward:
        found = text.find(" ", pos, limit)
        return found + 1 if found >= 0 else pos
    found = text.rfind(" ", limit, pos)
    return found if found >= 0 else pos
