"""Timing guards against catastrophic backtracking and runaway libphonenumber work.

These are safety checks, not benchmarks: the bound is generous (2 s for 100k chars)
and only exists to catch super-linear blow-ups in a regex or in a scan loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from guardstream.classifiers.normalize import normalize_for_classification
from guardstream.classifiers.pii import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
    merge_spans,
)
from guardstream.classifiers.pii.base import Recognizer

T = TypeVar("T")

LENGTH = 100_000
GUARD_S = 2.0

SHAPES = [
    "1 ",
    "a@",
    "a.",
    ":",
    "1/",
    "12 ",
    "4 ",
    "4-",
    "1",
    "a",
    " ",
    "DE12 ",
    "1.1.1.1 ",
    "::1 ",
    "a:",
    "www.",
    "http://a",
    "(",
    "+1 ",
    "@a.",
    "a@b.co ",
    "123-45-6789 ",
    "020 7946 0958 / ",
    "5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/5/ a ",
    "\u0663\u200b",
]

RECOGNIZERS: list[Recognizer] = [
    EmailRecognizer(),
    CreditCardRecognizer(),
    IbanRecognizer(),
    UsSsnRecognizer(),
    IpRecognizer(),
    UrlRecognizer(),
    PhoneRecognizer(),
]


def hostile(shape: str) -> str:
    return (shape * (LENGTH // len(shape) + 1))[:LENGTH]


def timed(fn: Callable[..., T], *args: object) -> tuple[T, float]:
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("recognizer", RECOGNIZERS, ids=lambda r: type(r).__name__)
def test_recognizers_stay_fast_on_hostile_input(recognizer: Recognizer) -> None:
    slow = {}
    for shape in SHAPES:
        spans, elapsed = timed(recognizer.analyze, hostile(shape))
        if elapsed >= GUARD_S:
            slow[shape] = round(elapsed, 2)
        assert all(0 <= s.start < s.end <= LENGTH for s in spans)
    assert not slow, f"{type(recognizer).__name__} too slow on: {slow}"


def test_merge_stays_fast_on_many_spans() -> None:
    text = "4111111111111111 " * 5000
    cards = CreditCardRecognizer().analyze(text)
    # One unverified phone span over the whole digit dump, overlapping every card.
    blanket = PhoneRecognizer(scan_budget=0).analyze(text)
    assert len(cards) == 5000 and len(blanket) == 1
    merged, elapsed = timed(merge_spans, cards, blanket, cards)
    assert elapsed < GUARD_S
    assert merged == cards  # the blanket's remainders are the 1-char gaps: dropped


@pytest.mark.parametrize("shape", ["a\u200b", "\u0430a ", "\u202e1", " \t\n", "ﬁ"])
def test_normalize_stays_fast(shape: str) -> None:
    _, elapsed = timed(normalize_for_classification, hostile(shape))
    assert elapsed < GUARD_S
