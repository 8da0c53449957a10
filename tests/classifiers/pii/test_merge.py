"""merge_spans: the documented overlap rules, one test per rule."""

from __future__ import annotations

import itertools

from guardstream.classifiers.pii import PiiSpan, merge_spans


def pattern(start: int, end: int, type_: str, score: float = 1.0) -> PiiSpan:
    return PiiSpan(start, end, type_, score, f"pattern:{type_.lower()}")


def model(start: int, end: int, type_: str, score: float) -> PiiSpan:
    return PiiSpan(start, end, type_, score, "model")


def geometry(spans: list[PiiSpan]) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.type) for s in spans]


def test_disjoint_spans_are_kept_and_sorted() -> None:
    a = model(10, 15, "PERSON", 0.9)
    b = pattern(0, 5, "EMAIL_ADDRESS")
    assert merge_spans([a], [b]) == [b, a]


def test_empty_input() -> None:
    assert merge_spans() == []
    assert merge_spans([], []) == []


def test_validated_pattern_beats_higher_scored_model_span() -> None:
    card = pattern(10, 29, "CREDIT_CARD")
    phone = model(10, 29, "PHONE_NUMBER", 1.0)
    assert merge_spans([phone, card]) == [card]


def test_validated_pattern_beats_longer_span() -> None:
    email = pattern(5, 20, "EMAIL_ADDRESS")
    url = pattern(0, 30, "URL", 0.6)
    merged = merge_spans([url], [email])
    # The URL loses but its uncovered ends (>= 2 chars) are kept as URL.
    assert geometry(merged) == [(0, 5, "URL"), (5, 20, "EMAIL_ADDRESS"), (20, 30, "URL")]


def test_model_emitting_a_validated_type_is_not_privileged() -> None:
    model_card = model(0, 19, "CREDIT_CARD", 0.5)
    person = model(0, 10, "PERSON", 0.9)
    assert geometry(merge_spans([model_card, person])) == [(0, 10, "PERSON"), (10, 19, "CREDIT_CARD")]


def test_higher_score_wins_among_unvalidated() -> None:
    person = model(0, 10, "PERSON", 0.9)
    location = model(0, 10, "LOCATION", 0.7)
    assert merge_spans([location, person]) == [person]


def test_equal_scores_longer_wins() -> None:
    short = model(0, 4, "PERSON", 0.8)
    long = model(0, 9, "LOCATION", 0.8)
    assert merge_spans([short, long]) == [long]


def test_loser_inside_winner_is_dropped() -> None:
    iban = pattern(0, 27, "IBAN_CODE")
    phone = pattern(5, 14, "PHONE_NUMBER", 0.9)
    assert merge_spans([iban, phone]) == [iban]


def test_loser_remainders_of_two_chars_or_more_survive() -> None:
    card = pattern(5, 24, "CREDIT_CARD")
    person = model(0, 30, "PERSON", 0.95)
    assert geometry(merge_spans([card, person])) == [(0, 5, "PERSON"), (5, 24, "CREDIT_CARD"), (24, 30, "PERSON")]
    remainder = merge_spans([card, person])[0]
    assert (remainder.score, remainder.source) == (0.95, "model")


def test_one_char_remainder_is_dropped() -> None:
    card = pattern(1, 20, "CREDIT_CARD")
    person = model(0, 21, "PERSON", 0.95)
    assert merge_spans([card, person]) == [card]


def test_validated_loser_keeps_even_a_one_char_remainder() -> None:
    card = pattern(0, 10, "CREDIT_CARD")
    email = pattern(1, 20, "EMAIL_ADDRESS")  # same priority, longer: wins
    assert geometry(merge_spans([card, email])) == [(0, 1, "CREDIT_CARD"), (1, 20, "EMAIL_ADDRESS")]


def test_partial_overlap_keeps_winner_whole() -> None:
    # A model span cutting into a card never takes card digits away from it.
    card = pattern(10, 29, "CREDIT_CARD")
    person = model(0, 15, "PERSON", 0.99)
    assert geometry(merge_spans([person, card])) == [(0, 10, "PERSON"), (10, 29, "CREDIT_CARD")]


def test_loser_spanning_two_winners_keeps_the_middle() -> None:
    a = pattern(0, 5, "EMAIL_ADDRESS")
    b = pattern(10, 15, "IP_ADDRESS", 0.95)
    wide = model(0, 15, "PERSON", 0.5)
    assert geometry(merge_spans([wide, a, b])) == [
        (0, 5, "EMAIL_ADDRESS"),
        (5, 10, "PERSON"),
        (10, 15, "IP_ADDRESS"),
    ]


def test_two_validated_spans_fall_back_to_score_then_length() -> None:
    email = pattern(0, 20, "EMAIL_ADDRESS", 1.0)
    ssn = pattern(1, 10, "US_SSN", 0.5)
    assert merge_spans([ssn, email]) == [email]
    card = pattern(0, 16, "CREDIT_CARD")
    iban = pattern(0, 22, "IBAN_CODE")
    assert merge_spans([card, iban]) == [iban]


def test_duplicates_collapse() -> None:
    span = pattern(3, 9, "US_SSN", 0.85)
    assert merge_spans([span, span], [span]) == [span]


def test_result_is_independent_of_input_order() -> None:
    spans = [
        pattern(5, 24, "CREDIT_CARD"),
        model(0, 30, "PERSON", 0.95),
        model(20, 40, "LOCATION", 0.95),
        pattern(28, 35, "URL", 0.6),
        model(28, 35, "DATE_TIME", 0.6),
    ]
    results = {tuple(merge_spans(list(p))) for p in itertools.permutations(spans)}
    assert len(results) == 1


def test_output_never_overlaps() -> None:
    spans = [model(i, i + 7, "PERSON", (i % 5) / 5) for i in range(0, 60, 3)]
    spans += [pattern(i, i + 4, "US_SSN", 0.85) for i in range(1, 60, 11)]
    merged = merge_spans(spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(merged))
    assert all(s.length >= 2 for s in merged)
