"""Hypothesis properties: no inserted PII survives, nothing raises on arbitrary text."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardstream.classifiers.pii import (
    CreditCardRecognizer,
    EmailRecognizer,
    HashOperator,
    IbanRecognizer,
    IpRecognizer,
    MaskOperator,
    PhoneRecognizer,
    PiiSpan,
    RecognizerRegistry,
    ReplaceOperator,
    UrlRecognizer,
    UsSsnRecognizer,
    merge_spans,
    redact,
)
from guardstream.classifiers.pii.merge import is_validated

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Known-good card numbers, printed in every grouping the recognizer supports.
_CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3530111333300000"]


def _group(digits: str, sizes: list[int], sep: str) -> str:
    parts, pos = [], 0
    for size in sizes:
        parts.append(digits[pos : pos + size])
        pos += size
    parts.append(digits[pos:])
    return sep.join(p for p in parts if p)


cards = st.builds(
    _group,
    st.sampled_from(_CARDS),
    st.sampled_from([[], [4, 4, 4], [4, 6], [4, 4, 4, 4]]),
    st.sampled_from([" ", "-"]),
)
emails = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[a-z0-9]{1,5}){0,2}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z]{2,6}", fullmatch=True),
)
# Filler: arbitrary unicode, plus digit/punctuation-heavy text that stresses the
# number recognizers. Inserted values are fenced by " | " so filler cannot extend them.
noisy = st.text(alphabet="0123456789 -+().:/@abcxDE\u0663\uff14\u200b", max_size=40)
filler = st.one_of(st.text(max_size=40), noisy)


@SETTINGS
@given(parts=st.lists(st.tuples(filler, st.one_of(cards, emails)), min_size=1, max_size=5), tail=filler)
def test_inserted_cards_and_emails_never_survive_redaction(
    registry: RecognizerRegistry, parts: list[tuple[str, str]], tail: str
) -> None:
    text = "".join(f"{noise} | {value} | " for noise, value in parts) + tail
    result = redact(text, merge_spans(registry.analyze(text)), ReplaceOperator())
    for _, value in parts:
        assert value not in result.text


@SETTINGS
@given(text=st.one_of(st.text(max_size=200), noisy))
def test_redact_never_raises_on_registry_spans(registry: RecognizerRegistry, text: str) -> None:
    spans = merge_spans(registry.analyze(text))
    for operator in (ReplaceOperator(), MaskOperator(keep_last=2), HashOperator(b"k" * 16)):
        result = redact(text, spans, operator)
        assert [(i.start, i.end, i.type) for i in result.items] == [(s.start, s.end, s.type) for s in spans]
        # Text outside the spans is carried over verbatim, at the recorded positions.
        old_pos = new_pos = 0
        for item in result.items:
            assert result.text[new_pos : item.new_start] == text[old_pos : item.start]
            old_pos, new_pos = item.end, item.new_end
        assert result.text[new_pos:] == text[old_pos:]


_RECOGNIZERS = [
    EmailRecognizer(),
    CreditCardRecognizer(),
    IbanRecognizer(),
    UsSsnRecognizer(),
    IpRecognizer(),
    UrlRecognizer(),
    PhoneRecognizer(),
]


@SETTINGS
@given(text=st.one_of(st.text(max_size=300), noisy, st.text(alphabet=st.characters(codec="utf-8"))))
def test_recognizers_never_raise_and_spans_are_in_range(text: str) -> None:
    for recognizer in _RECOGNIZERS:
        for span in recognizer.analyze(text):
            assert 0 <= span.start < span.end <= len(text)
            assert span.type == recognizer.entity_type


span_lists = st.lists(
    st.builds(
        lambda start, length, type_, score, source: PiiSpan(start, start + length, type_, score, source),
        st.integers(0, 60),
        st.integers(1, 20),
        st.sampled_from(["CREDIT_CARD", "EMAIL_ADDRESS", "PERSON", "URL", "PHONE_NUMBER"]),
        st.sampled_from([0.3, 0.6, 0.9, 1.0]),
        st.sampled_from(["model", "pattern:x"]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(spans=span_lists)
def test_merge_output_is_disjoint_and_keeps_validated_spans_covered(spans: list[PiiSpan]) -> None:
    merged = merge_spans(spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(merged))
    covered = {i for s in merged for i in range(s.start, s.end)}
    for span in spans:
        if is_validated(span):
            assert set(range(span.start, span.end)) <= covered
    # Merging is idempotent.
    assert merge_spans(merged) == merged
