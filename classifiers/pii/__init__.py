"""PII detection and redaction: recognizers -> ``merge_spans`` -> ``redact``.

Typical use::

    registry = RecognizerRegistry.default()
    spans = merge_spans(registry.analyze(text), whole_words(text, model_spans))
    spans = merge_spans(spans, propagate(text, spans))
    result = redact(text, spans, ReplaceOperator())

Detection always runs on the original text so offsets match what is redacted.
"""

from guardstream.classifiers.pii.merge import merge_spans
from guardstream.classifiers.pii.propagate import propagate, whole_words
from guardstream.classifiers.pii.recognizers import (
    DEFAULT_PHONE_REGIONS,
    AddressRecognizer,
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    Recognizer,
    RecognizerRegistry,
    UrlRecognizer,
    UsSsnRecognizer,
)
from guardstream.classifiers.pii.redact import (
    HashOperator,
    MaskOperator,
    Operator,
    RedactedItem,
    RedactionResult,
    ReplaceOperator,
    operator_from_name,
    redact,
)
from guardstream.classifiers.pii.spans import PiiSpan

__all__ = [
    "DEFAULT_PHONE_REGIONS",
    "AddressRecognizer",
    "CreditCardRecognizer",
    "EmailRecognizer",
    "HashOperator",
    "IbanRecognizer",
    "IpRecognizer",
    "MaskOperator",
    "Operator",
    "PhoneRecognizer",
    "PiiSpan",
    "Recognizer",
    "RecognizerRegistry",
    "RedactedItem",
    "RedactionResult",
    "ReplaceOperator",
    "UrlRecognizer",
    "UsSsnRecognizer",
    "merge_spans",
    "operator_from_name",
    "propagate",
    "redact",
    "whole_words",
]
