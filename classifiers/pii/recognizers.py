"""Deterministic PII recognizers and the registry that runs them (the "analyzer").

As in Presidio, recognizers are small objects with an ``entity_type``, a ``name``
and ``analyze(text)``; the registry is the one object the pipeline holds. The
regex recognizers live in ``patterns``, the libphonenumber one in ``phone``; this
module is the stable import point for all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from guardstream.classifiers.pii.address import AddressRecognizer
from guardstream.classifiers.pii.base import PatternRecognizer, Recognizer
from guardstream.classifiers.pii.patterns import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)
from guardstream.classifiers.pii.phone import DEFAULT_PHONE_REGIONS, PhoneRecognizer
from guardstream.classifiers.pii.spans import PiiSpan

__all__ = [
    "DEFAULT_PHONE_REGIONS",
    "AddressRecognizer",
    "CreditCardRecognizer",
    "EmailRecognizer",
    "IbanRecognizer",
    "IpRecognizer",
    "PatternRecognizer",
    "PhoneRecognizer",
    "Recognizer",
    "RecognizerRegistry",
    "UrlRecognizer",
    "UsSsnRecognizer",
]


class RecognizerRegistry:
    """An immutable set of recognizers run together over a text.

    ``version`` names the rule set so audit records can say which patterns produced
    a verdict; bump it whenever recognizers or their scores change. ``analyze``
    returns raw, possibly overlapping spans: ``merge_spans`` resolves them together
    with the model's spans, so nothing is decided twice.
    """

    def __init__(self, recognizers: Iterable[Recognizer], *, version: str = "patterns-2") -> None:
        self.recognizers: tuple[Recognizer, ...] = tuple(recognizers)
        self.version = version

    @classmethod
    def default(cls, phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS) -> RecognizerRegistry:
        return cls(
            [
                EmailRecognizer(),
                CreditCardRecognizer(),
                IbanRecognizer(),
                UsSsnRecognizer(),
                IpRecognizer(),
                UrlRecognizer(),
                PhoneRecognizer(phone_regions),
                AddressRecognizer(),
            ]
        )

    @property
    def entity_types(self) -> frozenset[str]:
        return frozenset(r.entity_type for r in self.recognizers)

    def analyze(self, text: str, entity_types: Collection[str] | None = None) -> list[PiiSpan]:
        """Spans from every recognizer (only those for ``entity_types`` if given), by start.

        Types no recognizer handles (PERSON is the model's job) are ignored rather
        than rejected, so callers can pass one entity list to both detectors.
        """
        wanted = None if entity_types is None else frozenset(entity_types)
        found: list[PiiSpan] = []
        for recognizer in self.recognizers:
            if wanted is None or recognizer.entity_type in wanted:
                found.extend(recognizer.analyze(text))
        found.sort(key=lambda s: (s.start, s.end, s.type))
        return found

    def __repr__(self) -> str:
        return f"RecognizerRegistry(version={self.version!r}, recognizers={list(self.recognizers)!r})"
