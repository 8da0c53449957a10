"""Letter case as a model input: the one name/place cue an uncased tokenizer throws away.

The base encoder's WordPiece vocabulary is uncased: "Mill Village", "mill village" and "MILL VILLAGE" become the
same tokens, so the PII head could only find names by memorising the words and sentence shapes around them.
Models trained with ``--case-input`` (experimental; no shipped bundle uses it) take one extra id
per token, 1 where the token's first character is an upper-case letter, fed through BERT's (otherwise unused)
token-type embedding. Continuation pieces of a capitalised word get 0 ("Jar" 1, "##mi" 0); every piece of an
all-caps word gets 1, so capitalised and all-caps words look different.

Training, calibration and the runtime all call :func:`token_case_ids`, so the feature is computed one way only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CASE_INPUT = "case_ids"


def token_case_ids(text: str, offsets: Sequence[tuple[int, int]]) -> np.ndarray:
    """int64 [len(offsets)]: 1 where the token starts with an upper-case character, else 0.

    ``offsets`` are the tokenizer's character offsets into ``text``. A text without any upper-case character
    (most chat traffic) skips the per-token loop.
    """
    out = np.zeros(len(offsets), np.int64)
    if text == text.lower():
        return out
    for t, (start, end) in enumerate(offsets):
        if end > start and text[start].isupper():
            out[t] = 1
    return out
