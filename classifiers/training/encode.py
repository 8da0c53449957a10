"""Tokenisation for training: one pass over the corpus, then cheap per-epoch window cropping.

Token-level PII labels follow the runtime decoding rule: only the first sub-token of each word is supervised
(B-/I- of the entity containing it); continuations and special tokens get IGNORE_INDEX.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer

from guardstream.classifiers.casing import token_case_ids
from guardstream.classifiers.training.data.common import Example, stable_fraction
from guardstream.classifiers.training.labels import IGNORE_INDEX, PII_LABELS, SAFETY_LABELS

_PII_INDEX = {lbl: i for i, lbl in enumerate(PII_LABELS)}


@dataclass(slots=True)
class Encoded:
    ids: np.ndarray  # int32 token ids without special tokens
    pii: np.ndarray | None  # int64 labels aligned with ids, or None if unsupervised
    safety: np.ndarray  # float32 [3]
    safety_mask: np.ndarray  # float32 [3]
    intent: int
    focus: tuple[int, int] | None  # token index range that the window must include
    case: np.ndarray | None = None  # int64 case ids aligned with ids (classifiers.casing)


# Share of all-lowercase rows without PII (CLINC, banking77, ...) shown as if sentence-cased (first token 1).
# CLINC is lowercase only; without this the intent head never sees a capital, and users type "What's my balance".
SENTENCE_CASE_SHARE = 0.5


def pii_token_labels(word_ids: list[int | None], offsets: list[tuple[int, int]], spans) -> np.ndarray:
    labels = np.full(len(word_ids), IGNORE_INDEX, dtype=np.int64)
    prev_word: int | None = None
    prev_entity: int | None = None
    for t, (w, (s, _e)) in enumerate(zip(word_ids, offsets, strict=True)):
        if w is None or w == prev_word:
            continue
        prev_word = w
        hit = next((k for k, (a, b, _typ) in enumerate(spans) if a <= s < b), None)
        if hit is None:
            labels[t] = 0
            prev_entity = None
            continue
        typ = spans[hit][2]
        labels[t] = _PII_INDEX[("I-" if prev_entity == hit else "B-") + typ]
        prev_entity = hit
    return labels


def encode_all(
    tok: Tokenizer, rows: list[Example], intent_index: dict[str, int], *, with_case: bool = False
) -> list[Encoded]:
    """Token ids and labels per row; ``with_case`` adds the case ids a ``case_input`` model reads."""
    encs = tok.encode_batch([r.text for r in rows], add_special_tokens=False)
    out: list[Encoded] = []
    for r, e in zip(rows, encs, strict=True):
        ids = np.asarray(e.ids, dtype=np.int32)
        pii = pii_token_labels(e.word_ids, e.offsets, r.pii) if r.pii is not None else None
        case = token_case_ids(r.text, e.offsets) if with_case else None
        lowercase_without_pii = case is not None and len(case) and not r.pii and not case.any()
        if lowercase_without_pii and stable_fraction(f"sentence-case:{r.text}", 0) < SENTENCE_CASE_SHARE:
            case[0] = 1
        if r.safety is None:
            safety = np.zeros(len(SAFETY_LABELS), np.float32)
            mask = np.zeros(len(SAFETY_LABELS), np.float32)
        else:
            safety = np.asarray([0.0 if v is None else v for v in r.safety], np.float32)
            mask = np.asarray([0.0 if v is None else 1.0 for v in r.safety], np.float32)
        focus = None
        if r.focus is not None:
            a, b = r.focus
            toks = [i for i, (s, en) in enumerate(e.offsets) if s < b and en > a]
            if toks:
                focus = (toks[0], toks[-1] + 1)
        intent = intent_index[r.intent] if r.intent is not None else IGNORE_INDEX
        out.append(Encoded(ids, pii, safety, mask, intent, focus, case))
    return out


def choose_window(n: int, body: int, focus: tuple[int, int] | None, rng: random.Random) -> int:
    """Start index of a ``body``-token window: random, but always covering ``focus`` when given."""
    if n <= body:
        return 0
    if focus is not None:
        lo = max(0, focus[1] - body)
        hi = min(focus[0], n - body)
        if lo <= hi:
            return rng.randint(lo, hi)
        return min(focus[0], n - body)
    if rng.random() < 0.5:
        return 0
    return rng.randint(0, n - body)


def collate(batch: list[Encoded], max_length: int, cls_id: int, sep_id: int, rng: random.Random):
    """Dynamic padding to the longest window in the batch; returns numpy arrays, case ids last (zeros for rows
    encoded without them)."""
    body = max_length - 2
    windows = []
    for ex in batch:
        s = choose_window(len(ex.ids), body, ex.focus, rng)
        windows.append((ex, s, min(len(ex.ids), s + body)))
    width = max(e - s for _, s, e in windows) + 2
    b = len(batch)
    ids = np.zeros((b, width), np.int64)
    att = np.zeros((b, width), np.int64)
    pii = np.full((b, width), IGNORE_INDEX, np.int64)
    case = np.zeros((b, width), np.int64)
    for i, (ex, s, e) in enumerate(windows):
        n = e - s
        ids[i, 0] = cls_id
        ids[i, 1 : n + 1] = ex.ids[s:e]
        ids[i, n + 1] = sep_id
        att[i, : n + 2] = 1
        if ex.pii is not None:
            pii[i, 1 : n + 1] = ex.pii[s:e]
        if ex.case is not None:
            case[i, 1 : n + 1] = ex.case[s:e]
    safety = np.stack([ex.safety for ex in batch])
    smask = np.stack([ex.safety_mask for ex in batch])
    intent = np.asarray([ex.intent for ex in batch], np.int64)
    return ids, att, safety, smask, intent, pii, case


def bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random, chunk: int = 64) -> list[list[int]]:
    """Shuffle, sort by length inside chunks of ``chunk`` batches, then shuffle the batches (padding ↓)."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    batches: list[list[int]] = []
    step = batch_size * chunk
    for c in range(0, len(idx), step):
        part = sorted(idx[c : c + step], key=lambda i: lengths[i])
        batches.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches
