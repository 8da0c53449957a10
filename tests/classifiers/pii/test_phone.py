"""PhoneRecognizer: libphonenumber matching across regions, exclusions and work bounds."""

from __future__ import annotations

import pytest

from guardstream.classifiers.pii import DEFAULT_PHONE_REGIONS, PhoneRecognizer


@pytest.fixture(scope="module")
def phone() -> PhoneRecognizer:
    return PhoneRecognizer()


def texts(recognizer: PhoneRecognizer, text: str) -> list[str]:
    return [text[s.start : s.end] for s in recognizer.analyze(text)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call me at +1 (415) 555-2671 tomorrow.", "+1 (415) 555-2671"),
        ("call 415-555-2671 now", "415-555-2671"),
        ("London office: 020 7946 0958.", "020 7946 0958"),
        ("Berlin: +49 30 901820, ask for Jo", "+49 30 901820"),
        ("Paris 01 42 68 53 00 ok", "01 42 68 53 00"),
        ("Mumbai +91 98765 43210", "+91 98765 43210"),
    ],
)
def test_phone_numbers_in_several_formats(phone: PhoneRecognizer, text: str, number: str) -> None:
    spans = phone.analyze(text)
    assert len(spans) == 1
    span = spans[0]
    assert (span.start, span.end) == (text.index(number), text.index(number) + len(number))
    assert (span.type, span.score, span.source) == ("PHONE_NUMBER", 0.9, "pattern:phone_number")


def test_same_number_from_many_regions_is_reported_once(phone: PhoneRecognizer) -> None:
    # International format is found from every region; it must come back once.
    assert texts(phone, "+49 30 901820") == ["+49 30 901820"]


def test_national_number_needs_its_region() -> None:
    text = "020 7946 0958"
    assert texts(PhoneRecognizer(["US"]), text) == []
    assert texts(PhoneRecognizer(["GB"]), text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111111111111111",
        "GB82 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 00",
        "the year 2024 and 17 cats",
        "555-0100",
        "",
    ],
)
def test_not_a_phone(phone: PhoneRecognizer, text: str) -> None:
    assert phone.analyze(text) == []


def test_several_numbers_in_a_list(phone: PhoneRecognizer) -> None:
    text = "020 7946 0958 / 020 7946 0959 / +1 415 555 2671"
    assert texts(phone, text) == ["020 7946 0958", "020 7946 0959", "+1 415 555 2671"]


def test_fullwidth_digits(phone: PhoneRecognizer) -> None:
    text = "tel ＋１ ４１５ ５５５ ２６７１"
    assert [(s.start, s.end) for s in phone.analyze(text)] == [(4, len(text))]


def test_runs_beyond_the_scan_budget_are_reported_unverified() -> None:
    recognizer = PhoneRecognizer(["GB"], scan_budget=20)
    text = "020 7946 0958 and then 020 7946 0959 and 12 34"
    spans = recognizer.analyze(text)
    assert [(text[s.start : s.end], s.score, s.source) for s in spans] == [
        ("020 7946 0958", 0.9, "pattern:phone_number"),
        ("020 7946 0959", 0.4, "pattern:phone_number_unscanned"),
    ]


def test_zero_budget_scans_nothing_but_still_flags_numbers() -> None:
    spans = PhoneRecognizer(scan_budget=0).analyze("call +1 (415) 555-2671")
    assert [(s.start, s.end, s.score) for s in spans] == [(5, 22, 0.4)]


def test_constructor_validation() -> None:
    assert PhoneRecognizer().regions == DEFAULT_PHONE_REGIONS
    with pytest.raises(ValueError):
        PhoneRecognizer([])
    with pytest.raises(ValueError, match="unknown phone regions"):
        PhoneRecognizer(["US", "XX"])
    with pytest.raises(TypeError):
        PhoneRecognizer("US")
    with pytest.raises(ValueError):
        PhoneRecognizer(scan_budget=-1)


def test_custom_exclusions() -> None:
    # With no exclusions configured, the phone recognizer reports what libphonenumber finds.
    text = "+1 (415) 555-2671"
    assert texts(PhoneRecognizer(["US"], exclude=[]), text) == [text]


@pytest.fixture()
def matcher_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Regions the matcher was run for (the expensive step) during the test."""
    from guardstream.classifiers.pii import phone as phone_module

    calls: list[str] = []
    real = phone_module._matches

    def counting(text: str, region: str):
        calls.append(region)
        return real(text, region)

    monkeypatch.setattr(phone_module, "_matches", counting)
    return calls


@pytest.mark.parametrize(
    "text",
    ["my card 4111 1111 1111 1111 was declined", "ssn 536-22-8815, thanks", "to GB82 WEST 1234 5698 7654 32 today"],
)
def test_digits_inside_validated_spans_are_not_scanned(phone: PhoneRecognizer, matcher_calls: list[str], text: str):
    assert phone.analyze(text) == []
    assert matcher_calls == []


def test_a_run_matched_by_one_region_is_not_rescanned(phone: PhoneRecognizer, matcher_calls: list[str]) -> None:
    assert texts(phone, "call me back at +1 (415) 555-2671 about it") == ["+1 (415) 555-2671"]
    assert matcher_calls == ["US"]


def test_later_regions_still_scan_unmatched_runs(phone: PhoneRecognizer, matcher_calls: list[str]) -> None:
    text = "US +1 (415) 555-2671 or London 020 7946 0958"
    assert texts(phone, text) == ["+1 (415) 555-2671", "020 7946 0958"]
    assert matcher_calls[:2] == ["US", "GB"] and len(matcher_calls) == 2


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Can someone call me on 450 0840? I have a question", "450 0840"),
        ("Personal Info:\nPhone:\n60-56-85-91\n\nE-mail:", "60-56-85-91"),
        ("APO AA 61487\n416 60 039 office\n", "416 60 039"),
        ("Desk: +447700 921 916\nFax:", "+447700 921 916"),
        ("mobile: 99 577450", "99 577450"),
    ],
)
def test_unvalidated_numbers_count_when_the_text_says_phone(phone: PhoneRecognizer, text: str, number: str) -> None:
    """Local numbers with no area code are not VALID anywhere; a phone word next to them is the evidence."""
    spans = phone.analyze(text)
    assert [(text[s.start : s.end], s.score, s.source) for s in spans] == [
        (number, PhoneRecognizer.context_score, "pattern:phone_number_context")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "my order 450 0840 never arrived",
        "the phone model 2024-05-06 release",
        "call me about ticket 12",
        "Phone:\n\n\n\n\nreference 4500840",
        "fax machine serial 12345678901234567890",
    ],
)
def test_digit_runs_without_phone_context_stay_unredacted(phone: PhoneRecognizer, text: str) -> None:
    assert phone.analyze(text) == []


def test_country_code_before_a_trunk_zero_joins_the_number(phone: PhoneRecognizer) -> None:
    text = "Desk: +44 (0)20 7946 0958, ask for Jo"
    assert texts(phone, text) == ["+44 (0)20 7946 0958"]


def test_a_number_written_with_a_country_code_is_a_phone_even_outside_assigned_ranges() -> None:
    """+44 7700 900xxx is reserved for drama: not "valid", but written as a phone number, and redacted."""
    from guardstream.classifiers.pii import PhoneRecognizer

    recognizer = PhoneRecognizer()
    for text, number in [
        ("my number is now +44 7700 900123.", "+44 7700 900123"),
        ("Kontakt: +44 7700 900 461", "+44 7700 900 461"),
    ]:
        spans = recognizer.analyze(text)
        assert [text[s.start : s.end] for s in spans] == [number]
    # a '+' before too few digits, or a country code that does not exist, is not a phone number
    assert recognizer.analyze("score +4412345 points") == []
    assert recognizer.analyze("id +999 1234567") == []
