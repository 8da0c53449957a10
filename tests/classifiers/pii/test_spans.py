"""PiiSpan: value semantics and construction-time validation."""

from __future__ import annotations

import dataclasses

import pytest

from guardstream.classifiers.pii import PiiSpan


def test_span_is_a_frozen_hashable_value() -> None:
    span = PiiSpan(0, 4, "PERSON", 0.9, "model")
    assert span == PiiSpan(0, 4, "PERSON", 0.9, "model")
    assert len({span, PiiSpan(0, 4, "PERSON", 0.9, "model")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]
    assert span.length == 4
    assert not span.is_pattern
    assert PiiSpan(0, 4, "URL", 0.6, "pattern:url").is_pattern


@pytest.mark.parametrize(
    ("start", "end", "score"),
    [(-1, 3, 0.5), (3, 3, 0.5), (5, 2, 0.5), (0, 3, -0.1), (0, 3, 1.5)],
)
def test_invalid_spans_are_rejected(start: int, end: int, score: float) -> None:
    with pytest.raises(ValueError):
        PiiSpan(start, end, "PERSON", score, "model")
