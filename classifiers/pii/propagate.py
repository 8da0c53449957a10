"""Whole spans and propagation: what is found once is redacted whole, and everywhere it appears.

Two leaks the detectors alone leave open:

* **Cut spans.** A token model labels word pieces; "flight to <LOCATION> York" or "Mitch<PERSON>" leave part
  of the value readable. ``whole_words`` extends model spans to word boundaries and joins neighbouring spans
  of one type ("Sarah" + "Mitchell", "12" + "March 2027").
* **Repeats.** A name found in the greeting is missed in the signature, or in the assistant's turn of the chat
  ("Sorry to hear that, Sarah"). ``propagate`` finds every other occurrence of each detected value (case- and
  accent-insensitive, at word boundaries, across all turns since they are scanned as one text), and for
  names every capitalised part of it ("Sarah Mitchell" ... "Sarah").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

from guardstream.classifiers.pii import spans as types
from guardstream.classifiers.pii.spans import MODEL_SOURCE, PiiSpan

PROPAGATED_SOURCE: Final = "propagated"
# DATE_TIME repeats are ordinary words ("Monday", "tomorrow"); the default policy leaves them in the text.
NOT_PROPAGATED: Final = frozenset({types.DATE_TIME})
MIN_VALUE_CHARS: Final = 3
# Capitalised words that are parts of names often enough to be tagged with them, but are not names alone.
NAME_PART_STOPWORDS: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "herr", "frau", "monsieur", "madame", "mme",
     "señor", "señora", "sr", "sra", "signor", "signora", "dear", "hello", "hi", "van", "von", "der", "den",
     "del", "della", "des", "the", "and", "und", "et", "y"}
)  # fmt: skip
# What may separate two pieces of one entity the model labelled apart.
_JOINABLE_GAP: Final = {
    types.DATE_TIME: re.compile(r"[ \t,./:-]{0,3}"),
}
_DEFAULT_GAP: Final = re.compile(r"[ \t'’-]{0,2}")


def _is_word(char: str) -> bool:
    return char.isalnum() or char in "'’"


def whole_words(text: str, spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Model spans grown to whole words, and neighbours of one type joined (other spans pass unchanged)."""
    grown: list[PiiSpan] = []
    for span in spans:
        if not span.source.startswith(MODEL_SOURCE):
            grown.append(span)
            continue
        start, end = span.start, span.end
        while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
            start -= 1
        while end < len(text) and _is_word(text[end]) and _is_word(text[end - 1]):
            end += 1
        grown.append(PiiSpan(start, end, span.type, span.score, span.source))
    grown.sort(key=lambda s: (s.start, s.end))
    joined: list[PiiSpan] = []
    for span in grown:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.source == span.source
            and span.source.startswith(MODEL_SOURCE)
            and last.type == span.type
            and span.start >= last.end
            and _JOINABLE_GAP.get(span.type, _DEFAULT_GAP).fullmatch(text, last.end, span.start)
        ):
            joined[-1] = PiiSpan(last.start, span.end, span.type, max(last.score, span.score), span.source)
        elif (
            last is not None
            and last.source == span.source
            and span.source.startswith(MODEL_SOURCE)
            and span.start < last.end
        ):
            # grown into each other: keep one span over both, with the stronger one's type
            winner = last if last.score >= span.score else span
            joined[-1] = PiiSpan(last.start, max(last.end, span.end), winner.type, winner.score, span.source)
        else:
            joined.append(span)
    return joined


# Types whose touching pieces are one entity ("New " found by propagation + "York" by the model).
_JOIN_TOUCHING: Final = frozenset({types.PERSON, types.LOCATION, types.ADDRESS, types.DATE_TIME})
_TOUCHING_GAP: Final = re.compile(r"[ \t]?")


def join_touching(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Disjoint spans (``merge_spans`` output) with touching pieces of one type joined into one span."""
    out: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: s.start):
        last = out[-1] if out else None
        if (
            last is not None
            and last.type == span.type
            and span.type in _JOIN_TOUCHING
            and _TOUCHING_GAP.fullmatch(text, last.end, span.start)
        ):
            out[-1] = PiiSpan(last.start, span.end, span.type, max(last.score, span.score), last.source)
        else:
            out.append(span)
    return out


def fold(text: str) -> str:
    """Lowercase without accents, one character per character (offsets stay valid in ``text``)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        low = base.lower()
        out.append(low if len(low) == 1 else base)
    return "".join(out)


def propagate(text: str, spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Spans for the other occurrences of every detected value (and of every part of a detected name)."""
    folded = fold(text)
    values: dict[str, PiiSpan] = {}
    parts: dict[str, PiiSpan] = {}
    for span in spans:
        if span.type in NOT_PROPAGATED:
            continue
        value = folded[span.start : span.end].strip()
        if len(value) >= MIN_VALUE_CHARS:
            values.setdefault(value, span)
        if span.type == types.PERSON:
            for word in re.finditer(r"[^\W\d_]+", text[span.start : span.end]):
                part = word.group()
                if len(part) >= MIN_VALUE_CHARS and part[0].isupper() and fold(part) not in NAME_PART_STOPWORDS:
                    parts.setdefault(fold(part), span)
    found = _occurrences(folded, values, capitalised_in=None)
    found += _occurrences(folded, {p: s for p, s in parts.items() if p not in values}, capitalised_in=text)
    taken = [(s.start, s.end) for s in spans]
    return [s for s in found if not any(a <= s.start and s.end <= b for a, b in taken)]


def _occurrences(folded: str, values: dict[str, PiiSpan], capitalised_in: str | None) -> list[PiiSpan]:
    if not values:
        return []
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    out = []
    for match in pattern.finditer(folded):
        if capitalised_in is not None and not capitalised_in[match.start()].isupper():
            continue  # a name part is a name where it is written as one ("Rose", not "rose")
        origin = values[match.group()]
        out.append(PiiSpan(match.start(), match.end(), origin.type, origin.score, PROPAGATED_SOURCE))
    return out
