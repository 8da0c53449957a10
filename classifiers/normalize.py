"""Evasion normalization applied before *safety* classification (not before PII).

Jailbreak and abuse prompts dodge token-based classifiers with characters that
render the same but tokenize differently: fullwidth/stylised letters, zero-width
joiners inside words, bidi overrides, Cyrillic "а" in "pаssword". This stage maps
such text back to the plain form the classifier was trained on. PII detection runs
on the original text, so this function is free to change lengths and offsets.

Order matters: invisible characters are removed *before* NFKC so that letters split
by a zero-width space can compose, and confusables are folded after NFKC so the
table only needs canonical code points.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Zero-width and formatting characters that are invisible when rendered.
_INVISIBLE: Final = (
    "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad"  # zero-width space/non-joiner/joiner, word joiner, BOM, MVS, SHY
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u200e\u200f"  # LRM, RLM
)
_REMOVE_INVISIBLE: Final = dict.fromkeys(map(ord, _INVISIBLE))

# Cyrillic and Greek letters that are visually identical (in common fonts) to a Latin
# letter. Deliberately small: only near-perfect look-alikes, so folding never turns
# a legitimately mixed word into something else.
_CONFUSABLES: Final[dict[str, str]] = {
    # Cyrillic lowercase
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
    "ѕ": "s", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Cyrillic uppercase
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W",
    # Greek uppercase
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek lowercase
    "ο": "o", "ν": "v", "α": "a", "ι": "i", "κ": "k", "ρ": "p", "υ": "u",
}  # fmt: skip
_FOLD_CONFUSABLES: Final = str.maketrans(_CONFUSABLES)
_CONFUSABLE_CHARS: Final = "".join(_CONFUSABLES)

_LATIN_RANGES: Final = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
# Letter runs ([^\W\d_] is "word character that is not a digit or underscore").
_WORD: Final = re.compile(r"[^\W\d_]+")
_HAS_CONFUSABLE: Final = re.compile(f"[{_CONFUSABLE_CHARS}]")
_LATIN_LETTER: Final = re.compile(f"[{_LATIN_RANGES}]")
# Letters that are neither Latin nor one of the look-alikes: real foreign-script text.
_OTHER_LETTER: Final = re.compile(rf"[^\W\d_{_LATIN_RANGES}{_CONFUSABLE_CHARS}]")


def normalize_for_classification(text: str) -> str:
    """NFKC, drop invisible/bidi controls, fold Latin look-alikes, collapse whitespace.

    Confusables are folded only in words that are disguised Latin: words whose
    non-Latin letters are *all* look-alikes and that either contain a real Latin
    letter ("pаypаl") or stand in text that is mostly Latin ("run ехес now", written
    entirely in Cyrillic look-alikes). Words with any other non-Latin letter, and
    look-alike-only words in mostly Cyrillic/Greek text, are real Russian/Greek and
    left alone.
    """
    text = text.translate(_REMOVE_INVISIBLE)
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii() and _HAS_CONFUSABLE.search(text):
        text = _fold_confusables(text)
    return " ".join(text.split())


def _fold_confusables(text: str) -> str:
    latin_context: bool | None = None  # computed lazily: most texts never need it

    def fold(match: re.Match[str]) -> str:
        nonlocal latin_context
        word = match.group()
        if _HAS_CONFUSABLE.search(word) is None or _OTHER_LETTER.search(word) is not None:
            return word
        if _LATIN_LETTER.search(word) is None:
            if latin_context is None:
                latin_context = len(_LATIN_LETTER.findall(text)) > len(_OTHER_LETTER.findall(text))
            if not latin_context:
                return word
        return word.translate(_FOLD_CONFUSABLES)

    return _WORD.sub(fold, text)
