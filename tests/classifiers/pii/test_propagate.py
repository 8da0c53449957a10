"""Whole spans and propagation: a value found once is redacted whole, and wherever it appears again."""

from __future__ import annotations

from guardstream.classifiers.pii import PiiSpan, merge_spans, propagate, whole_words
from guardstream.classifiers.pii.propagate import fold, join_touching


def _texts(text: str, spans: list[PiiSpan]) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.type) for s in spans]


def test_model_spans_grow_to_whole_words_and_pieces_join() -> None:
    text = "Sarah Mitchell flies to New York on 12 March 2027"
    pieces = [
        PiiSpan(0, 5, "PERSON", 0.9, "model"),
        PiiSpan(6, 11, "PERSON", 0.8, "model"),  # "Mitch" of "Mitchell"
        PiiSpan(24, 27, "LOCATION", 0.9, "model"),
        PiiSpan(28, 32, "LOCATION", 0.9, "model"),
        PiiSpan(36, 38, "DATE_TIME", 0.9, "model"),
        PiiSpan(39, 49, "DATE_TIME", 0.9, "model"),
    ]
    assert _texts(text, whole_words(text, pieces)) == [
        ("Sarah Mitchell", "PERSON"),
        ("New York", "LOCATION"),
        ("12 March 2027", "DATE_TIME"),
    ]


def test_pattern_spans_are_left_as_they_are() -> None:
    text = "cards 4111111111111111 4111111111111111"
    cards = [
        PiiSpan(6, 22, "CREDIT_CARD", 1.0, "pattern:credit_card"),
        PiiSpan(23, 39, "CREDIT_CARD", 1.0, "pattern:credit_card"),
    ]
    assert whole_words(text, cards) == cards


def test_a_name_is_redacted_again_in_every_turn_and_by_its_parts() -> None:
    turns = [
        "hi, I'm Sarah Mitchell",
        "Sorry to hear that, Sarah. Ms MITCHELL, is José Núñez with you?",
        "jose nunez and sarah",
    ]
    text = "\n".join(turns)
    found = [_at(text, "Sarah Mitchell"), _at(text, "José Núñez")]
    extra = propagate(text, found)
    got = _texts(text, extra)
    assert ("Sarah", "PERSON") in got  # a part, capitalised as a name
    assert ("MITCHELL", "PERSON") in got  # case-insensitive
    assert ("jose nunez", "PERSON") in got  # the whole value, accent- and case-insensitive
    assert ("sarah", "PERSON") not in got  # a lone lowercase part is not taken for the name
    assert all(s.source == "propagated" for s in extra)


def _at(text: str, value: str) -> PiiSpan:
    start = text.index(value)
    return PiiSpan(start, start + len(value), "PERSON", 0.9, "model")


def test_dates_are_not_propagated_and_short_values_neither() -> None:
    text = "see you Monday, Monday is fine, Al"
    assert propagate(text, [PiiSpan(8, 14, "DATE_TIME", 0.9, "model"), PiiSpan(32, 34, "PERSON", 0.9, "model")]) == []


def test_touching_pieces_of_one_type_become_one_span() -> None:
    text = "flight to New York"
    merged = merge_spans([PiiSpan(10, 14, "LOCATION", 0.9, "propagated"), PiiSpan(14, 18, "LOCATION", 0.97, "model")])
    assert _texts(text, join_touching(text, merged)) == [("New York", "LOCATION")]


def test_fold_keeps_offsets() -> None:
    text = "Núñez İstanbul Straße"
    assert len(fold(text)) == len(text)
    assert fold(text).startswith("nunez")
