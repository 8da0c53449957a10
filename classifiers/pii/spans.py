"""The one value type every PII stage exchanges: a typed, scored character span.

Recognizers and the token-classification model both emit ``PiiSpan``; ``merge_spans``
resolves their overlaps and ``redact`` consumes the result. Keeping the span free of
the matched text is deliberate: spans get logged, put on audit topics and compared in
tests, and none of that should ever carry the PII value itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Entity type names follow Presidio so that labels, dashboards and policies written
# for Presidio-style pipelines (and our training data) need no translation table.
PERSON: Final = "PERSON"
LOCATION: Final = "LOCATION"
DATE_TIME: Final = "DATE_TIME"
EMAIL_ADDRESS: Final = "EMAIL_ADDRESS"
PHONE_NUMBER: Final = "PHONE_NUMBER"
CREDIT_CARD: Final = "CREDIT_CARD"
IBAN_CODE: Final = "IBAN_CODE"
US_SSN: Final = "US_SSN"
IP_ADDRESS: Final = "IP_ADDRESS"
URL: Final = "URL"
ADDRESS: Final = "ADDRESS"
# passport, national id, tax id, driving licence, bank account numbers (from the multilingual PII model)
ID_NUMBER: Final = "ID_NUMBER"

ENTITY_TYPES: Final[frozenset[str]] = frozenset(
    {PERSON, LOCATION, ADDRESS, DATE_TIME, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, US_SSN}
    | {IP_ADDRESS, URL, ID_NUMBER}
)

# Prefix of ``PiiSpan.source`` for spans produced by deterministic recognizers; the
# merge step trusts these more than model output for structurally validated types.
PATTERN_SOURCE_PREFIX: Final = "pattern:"
MODEL_SOURCE: Final = "model"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A detected entity as ``[start, end)`` char offsets into the *original* text.

    ``source`` says who found it (``"pattern:credit_card"``, ``"model"``) so that the
    merge step can prefer validated patterns and audits can attribute detections.
    Invalid geometry is rejected at construction because a bad span would otherwise
    surface much later as a redaction that silently covers the wrong characters.
    """

    start: int
    end: int
    type: str
    score: float
    source: str

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"invalid span offsets [{self.start}, {self.end})")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"span score must be within [0, 1], got {self.score}")

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def is_pattern(self) -> bool:
        return self.source.startswith(PATTERN_SOURCE_PREFIX)
