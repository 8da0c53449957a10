"""Overlap resolution between pattern spans and model spans.

Redaction needs a flat, non-overlapping list; the recognizers and the model each
produce their own, overlapping, lists. The rules favour the evidence that is hardest
to get wrong and never let a losing span re-expose part of a winner.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Final

from guardstream.classifiers.pii import spans as types
from guardstream.classifiers.pii.spans import PiiSpan

# Types whose pattern recognizers prove the match structurally (checksum, RFC
# syntax, ``ipaddress``, SSA rules; for addresses a street word, a house number and
# the country's postcode form), so no score from another detector should beat them:
# a model PERSON inside "9 rue Victor Hugo" must not cut the address in pieces.
VALIDATED_TYPES: Final[frozenset[str]] = frozenset(
    {types.CREDIT_CARD, types.IBAN_CODE, types.US_SSN, types.EMAIL_ADDRESS, types.IP_ADDRESS, types.ADDRESS}
)

# A remainder shorter than this is almost always a separator or a stray character
# next to the winner, not an entity of its own.
MIN_REMAINDER: Final = 2


def is_validated(span: PiiSpan) -> bool:
    return span.is_pattern and span.type in VALIDATED_TYPES


def _priority(span: PiiSpan) -> tuple[bool, float, int, int, str, str]:
    # Sorted descending on the first three; the rest only makes ties deterministic
    # (earlier start first, then type and source names).
    return (not is_validated(span), -span.score, -span.length, span.start, span.type, span.source)


def merge_spans(*span_lists: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Resolve overlaps across any number of span lists into one sorted, disjoint list.

    Spans are accepted greedily in priority order:

    1. A *validated pattern span* (``source`` starting with ``"pattern:"`` and type in
       ``VALIDATED_TYPES``: CREDIT_CARD, IBAN_CODE, US_SSN, EMAIL_ADDRESS,
       IP_ADDRESS) beats every span that is not one.
    2. Otherwise the higher ``score`` wins; on equal scores the longer span wins;
       remaining ties go to the earlier start (then type/source name), so the
       result never depends on input order.
    3. A span that overlaps already accepted (higher priority) spans is never
       extended or merged into them. Its parts *outside* all accepted spans are kept,
       with its type, score and source, if each part is at least ``MIN_REMAINDER``
       chars long; otherwise it is dropped. So a model span covering
       "4111 1111 1111 1111 Jane Doe" next to a card match keeps " Jane Doe" as its
       own span, while half a card number can never be re-labelled by a loser.
       Exception: remainders of a validated pattern span (which can only lose to
       another validated span) are kept whatever their length, so no character of
       validated PII is ever left uncovered.

    Identical duplicates collapse to one span. The output is sorted by ``start``.
    """
    ordered = sorted((s for spans in span_lists for s in spans), key=_priority)
    starts: list[int] = []  # accepted spans, kept sorted by start (they are disjoint)
    accepted: list[PiiSpan] = []
    for span in ordered:
        for start, end in _uncovered(span, starts, accepted):
            piece = span if (start, end) == (span.start, span.end) else _piece(span, start, end)
            if piece is None:
                continue
            at = bisect_right(starts, start)
            starts.insert(at, start)
            accepted.insert(at, piece)
    return accepted


def _uncovered(span: PiiSpan, starts: list[int], accepted: list[PiiSpan]) -> list[tuple[int, int]]:
    """Parts of ``span`` not covered by any accepted span, left to right."""
    # First accepted span that could overlap: the one starting before span.start
    # (it may reach into it), then every one starting before span.end.
    i = max(bisect_right(starts, span.start) - 1, 0)
    pieces: list[tuple[int, int]] = []
    cursor = span.start
    while i < len(accepted) and accepted[i].start < span.end:
        other = accepted[i]
        if other.end > cursor:
            if other.start > cursor:
                pieces.append((cursor, other.start))
            cursor = other.end
        i += 1
    if cursor < span.end:
        pieces.append((cursor, span.end))
    return pieces


def _piece(span: PiiSpan, start: int, end: int) -> PiiSpan | None:
    if end - start < MIN_REMAINDER and not is_validated(span):
        return None
    return PiiSpan(start=start, end=end, type=span.type, score=span.score, source=span.source)
