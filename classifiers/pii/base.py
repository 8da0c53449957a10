"""The recognizer contract and the little plumbing all pattern recognizers share."""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar, Final, Protocol, runtime_checkable

from guardstream.classifiers.pii.spans import PATTERN_SOURCE_PREFIX, PiiSpan


@runtime_checkable
class Recognizer(Protocol):
    """What ``RecognizerRegistry`` needs: a type it reports, a name, and ``analyze``.

    ``analyze`` returns spans in the caller's text coordinates, may return
    overlapping spans, and must not raise on any ``str`` (message text is untrusted).
    """

    @property
    def entity_type(self) -> str: ...

    @property
    def name(self) -> str: ...

    def analyze(self, text: str) -> list[PiiSpan]: ...


class PatternRecognizer:
    """Base for deterministic recognizers: fixed entity type, default score, provenance.

    Spans get ``source="pattern:<name>"``, which is how ``merge_spans`` tells a
    validated pattern hit from a model guess.
    """

    entity_type: ClassVar[str]
    name: ClassVar[str]
    score: ClassVar[float]

    def _span(self, start: int, end: int, score: float | None = None, *, source: str | None = None) -> PiiSpan:
        return PiiSpan(
            start=start,
            end=end,
            type=self.entity_type,
            score=self.score if score is None else score,
            source=source or PATTERN_SOURCE_PREFIX + self.name,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# \d in a str pattern is any Unicode decimal digit; (?![0-9]) leaves ASCII alone.
_NON_ASCII_DIGIT: Final = re.compile(r"(?![0-9])\d")


def ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (fullwidth, Arabic-Indic, ...) to its ASCII digit.

    One code point in, one out, so offsets found in the result are valid in ``text``.
    Without this a card number typed in fullwidth digits would slip past the
    ``[0-9]`` patterns, which are ASCII on purpose (checksums and ``ipaddress`` want
    ASCII, and ``\\d`` would make every character class much larger).
    """
    if text.isascii():
        return text
    return _NON_ASCII_DIGIT.sub(_fold_digit, text)


def _fold_digit(match: re.Match[str]) -> str:
    return str(unicodedata.decimal(match.group()))
