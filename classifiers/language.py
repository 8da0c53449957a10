"""Which language a text is written in, by a vote of frequent function words (cheap enough for every message).

The guard routes by it: the built-in PII head was trained on English and tags ordinary German, French or
Spanish words as names, so other languages get a multilingual PII model instead. A function-word vote is
enough for that decision: messages are sentences, not names, and a wrong "en" costs no more than today.
The words are data (``data/language_words.yaml``).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from importlib import resources
from typing import Final

import yaml

ENGLISH: Final = "en"
UNKNOWN: Final = "und"
_WORD: Final = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)?")
# Enough words to vote on; a text with fewer function words than this is left to the default (English).
MIN_VOTES: Final = 1
SCAN_CHARS: Final = 4_000  # the head of a long document is enough to tell its language


@cache
def _words() -> dict[str, str]:
    """word -> language; a word listed for several languages counts for none."""
    text = resources.files("guardstream.classifiers").joinpath("data/language_words.yaml").read_text("utf-8")
    lists: dict[str, list[str]] = yaml.safe_load(text)
    owners: dict[str, set[str]] = {}
    for language, words in lists.items():
        for word in words:
            owners.setdefault(str(word).lower(), set()).add(language)
    return {word: next(iter(langs)) for word, langs in owners.items() if len(langs) == 1}


def detect(text: str) -> str:
    """The text's language code (en, de, fr, es, it, pt, nl), or ``und`` when too few words vote."""
    words = _words()
    votes = Counter(words[w] for w in (m.group().lower() for m in _WORD.finditer(text, 0, SCAN_CHARS)) if w in words)
    if sum(votes.values()) < MIN_VOTES:
        return UNKNOWN
    (best, count), *rest = [*votes.most_common(2), ("", 0)]
    return best if count > rest[0][1] else UNKNOWN
