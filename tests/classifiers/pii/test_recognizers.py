"""Positive, negative and exact-offset cases for each pattern recognizer."""

from __future__ import annotations

import pytest

from guardstream.classifiers.pii import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PiiSpan,
    UrlRecognizer,
    UsSsnRecognizer,
)
from guardstream.classifiers.pii.base import PatternRecognizer, ascii_digits


def found(recognizer: PatternRecognizer, text: str) -> list[str]:
    return [text[s.start : s.end] for s in recognizer.analyze(text)]


def only_span(recognizer: PatternRecognizer, text: str) -> PiiSpan:
    spans = recognizer.analyze(text)
    assert len(spans) == 1, spans
    return spans[0]


def test_ascii_digits_keeps_offsets() -> None:
    text = "card ４１１１ and ٣٤ done"
    folded = ascii_digits(text)
    assert folded == "card 4111 and 34 done"
    assert len(folded) == len(text)


# --- email -----------------------------------------------------------------------


def test_email_exact_offsets_and_metadata() -> None:
    text = "Write to jane.doe+news@mail.example.co.uk, thanks."
    span = only_span(EmailRecognizer(), text)
    assert (span.start, span.end) == (9, 41)
    assert text[span.start : span.end] == "jane.doe+news@mail.example.co.uk"
    assert span.type == "EMAIL_ADDRESS"
    assert span.score == 1.0
    assert span.source == "pattern:email"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<bob@example.com>", ["bob@example.com"]),
        ("'bob_1@sub.example.org'", ["bob_1@sub.example.org"]),
        ("see...bob@example.com", ["bob@example.com"]),
        ("a@b.io and c.d@e-f.com", ["a@b.io", "c.d@e-f.com"]),
    ],
)
def test_email_positive(text: str, expected: list[str]) -> None:
    assert found(EmailRecognizer(), text) == expected


@pytest.mark.parametrize(
    "text",
    ["bob@localhost", "bob@@example.com", "@example.com", "bob@example.c", "a@b", "x" * 65 + "@example.com"],
)
def test_email_negative(text: str) -> None:
    assert found(EmailRecognizer(), text) == []


def test_email_with_empty_atom_keeps_the_valid_tail() -> None:
    # "john..doe" is not a dot-atom; the longest valid address in it is still redacted.
    assert found(EmailRecognizer(), "john..doe@example.com") == ["doe@example.com"]


# --- credit card -----------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555 5555 5555 4444",
        "3782 822463 10005",
        "6011 1111 1111 1117",
        "3530 1113 3330 0000",
        "3056 930902 5904",
        "4222222222222",
    ],
)
def test_credit_card_positive_with_offsets(card: str) -> None:
    text = f"My card is {card}, exp 12/27."
    span = only_span(CreditCardRecognizer(), text)
    assert (span.start, span.end) == (11, 11 + len(card))
    assert (span.type, span.score, span.source) == ("CREDIT_CARD", 1.0, "pattern:credit_card")


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # Luhn
        "1234 5678 1234 5670",  # Luhn ok, unknown issuer
        "4111  1111 1111 1111",  # double space is not a grouping
        "4111_1111_1111_1111",
        "41111111111111111111",  # 20 digits: an id, not a card
        "x4111111111111111111111",  # card digits inside a longer run
        "tracking 9400111111111111111111",
    ],
)
def test_credit_card_negative(text: str) -> None:
    assert found(CreditCardRecognizer(), text) == []


def test_credit_card_next_to_other_numbers() -> None:
    text = "order 1234 4111 1111 1111 1111 qty 2"
    assert found(CreditCardRecognizer(), text) == ["4111 1111 1111 1111"]
    text = "4111111111111111 5555555555554444"
    assert found(CreditCardRecognizer(), text) == ["4111111111111111", "5555555555554444"]


def test_credit_card_in_fullwidth_digits() -> None:
    text = "card ４１１１ １１１１ １１１１ １１１１"
    span = only_span(CreditCardRecognizer(), text)
    assert (span.start, span.end) == (5, len(text))


# --- IBAN ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "DE89 3704 0044 0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91 ABNA 0417 1643 00",
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "BE68 5390 0754 7034",
        "NO93 8601 1117 947",
    ],
)
def test_iban_positive_with_offsets(iban: str) -> None:
    text = f"IBAN: {iban}. Thanks"
    span = only_span(IbanRecognizer(), text)
    assert (span.start, span.end) == (6, 6 + len(iban))
    assert (span.type, span.score, span.source) == ("IBAN_CODE", 1.0, "pattern:iban_code")


@pytest.mark.parametrize(
    "text",
    [
        "GB82 WEST 1234 5698 7654 33",  # changed digit
        "DE89 3704 0044 0532 0130 01",
        "DE89 3704 0044 0532 0130",  # too short
        "GB82WEST12345698765432X",  # longer than GB allows
        "XGB82WEST12345698765432",
        "XX82 WEST 1234 5698 7654 32",
    ],
)
def test_iban_negative(text: str) -> None:
    assert found(IbanRecognizer(), text) == []


def test_iban_followed_by_word_and_preceded_by_lookalike() -> None:
    text = "GB82 WEST 1234 5698 7654 32 THEN pay"
    assert found(IbanRecognizer(), text) == ["GB82 WEST 1234 5698 7654 32"]
    text = "ZZ12 GB82 WEST 1234 5698 7654 32"
    assert found(IbanRecognizer(), text) == ["GB82 WEST 1234 5698 7654 32"]


# --- US SSN ----------------------------------------------------------------------


def test_ssn_scores_by_separator() -> None:
    text = "a 219-45-6789 b 219 45 6789 c 219456789"
    spans = UsSsnRecognizer().analyze(text)
    assert [(text[s.start : s.end], s.score) for s in spans] == [
        ("219-45-6789", 0.85),
        ("219 45 6789", 0.85),
        ("219456789", 0.5),
    ]
    assert spans[0].start == 2
    assert all(s.type == "US_SSN" for s in spans)


@pytest.mark.parametrize(
    "text",
    [
        "000-45-6789",
        "666-45-6789",
        "900-45-6789",
        "999-45-6789",
        "219-00-6789",
        "219-45-0000",
        "078-05-1120",
        "123-45-6789",
        "219-45 6789",  # mixed separators
        "2219-45-6789",
        "219-45-67890",
        "2024-219-45-6789",
        "219456789012",
    ],
)
def test_ssn_negative(text: str) -> None:
    assert found(UsSsnRecognizer(), text) == []


# --- IP --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host 192.168.1.1.", ["192.168.1.1"]),
        ("ip:10.0.0.1:8080", ["10.0.0.1"]),
        ("v6 2001:db8::1 ok", ["2001:db8::1"]),
        ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", ["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]),
        ("loopback ::1", ["::1"]),
        ("mapped ::ffff:192.0.2.128 end", ["::ffff:192.0.2.128"]),
        ("at 2001:db8::1: reachable", ["2001:db8::1"]),
        ("fe80::1 and 8.8.8.8", ["fe80::1", "8.8.8.8"]),
    ],
)
def test_ip_positive(text: str, expected: list[str]) -> None:
    assert found(IpRecognizer(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "999.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "v1.2.3.4",
        "01.02.03.04",
        "std::vector",
        "12:30:45",
        "00:1A:2B:3C:4D:5E",
        "a :: b",
        "2001:db8:::1",
    ],
)
def test_ip_negative(text: str) -> None:
    assert found(IpRecognizer(), text) == []


def test_ip_offsets_and_score() -> None:
    text = "from 203.0.113.7 to 2001:db8::42"
    spans = IpRecognizer().analyze(text)
    assert [(s.start, s.end) for s in spans] == [(5, 16), (20, 32)]
    assert {s.score for s in spans} == {0.95}


# --- URL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/path?q=1.", ["https://example.com/path?q=1"]),
        ("(http://example.org/a)", ["http://example.org/a"]),
        ("wiki https://en.wikipedia.org/wiki/Foo_(bar), ok", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("go to www.example.com!", ["www.example.com"]),
        ("HTTPS://EXAMPLE.COM", ["HTTPS://EXAMPLE.COM"]),
    ],
)
def test_url_positive(text: str, expected: list[str]) -> None:
    spans = UrlRecognizer().analyze(text)
    assert [text[s.start : s.end] for s in spans] == expected
    assert all(s.score == 0.6 and s.type == "URL" for s in spans)


@pytest.mark.parametrize(
    "text",
    ["bob@www.example.com", "jane@example.com", "example.com", "ftp://example.com", "http://", "http://..."],
)
def test_url_negative(text: str) -> None:
    assert found(UrlRecognizer(), text) == []


def test_url_scores_below_email() -> None:
    assert UrlRecognizer.score < EmailRecognizer.score
