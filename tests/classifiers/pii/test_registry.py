"""RecognizerRegistry: composition, filtering, ordering, versioning."""

from __future__ import annotations

from guardstream.classifiers.pii import EmailRecognizer, PiiSpan, RecognizerRegistry, UrlRecognizer

TEXT = (
    "Mail jane@example.com, call +1 (415) 555-2671, card 4111 1111 1111 1111, "
    "IBAN DE89 3704 0044 0532 0130 00, SSN 219-45-6789, host 10.1.2.3, see https://example.org/x"
)


def test_default_registry_covers_the_pattern_types(registry: RecognizerRegistry) -> None:
    assert registry.entity_types == {
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "IP_ADDRESS",
        "URL",
        "ADDRESS",
    }
    assert registry.version == "patterns-2"


def test_analyze_finds_each_type_sorted(registry: RecognizerRegistry) -> None:
    spans = registry.analyze(TEXT)
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    by_type = {s.type: TEXT[s.start : s.end] for s in spans}
    assert by_type == {
        "EMAIL_ADDRESS": "jane@example.com",
        "PHONE_NUMBER": "+1 (415) 555-2671",
        "CREDIT_CARD": "4111 1111 1111 1111",
        "IBAN_CODE": "DE89 3704 0044 0532 0130 00",
        "US_SSN": "219-45-6789",
        "IP_ADDRESS": "10.1.2.3",
        "URL": "https://example.org/x",
    }


def test_entity_type_filter(registry: RecognizerRegistry) -> None:
    spans = registry.analyze(TEXT, entity_types={"CREDIT_CARD", "PERSON"})
    assert [s.type for s in spans] == ["CREDIT_CARD"]
    assert registry.analyze(TEXT, entity_types=[]) == []


def test_custom_registry_and_version() -> None:
    registry = RecognizerRegistry([UrlRecognizer(), EmailRecognizer()], version="patterns-test")
    assert registry.version == "patterns-test"
    assert registry.entity_types == {"URL", "EMAIL_ADDRESS"}
    spans = registry.analyze("https://a.example/ bob@example.com")
    assert [s.type for s in spans] == ["URL", "EMAIL_ADDRESS"]
    assert all(isinstance(s, PiiSpan) for s in spans)


def test_default_with_custom_phone_regions() -> None:
    # No phone word next to the number: only a region whose numbering plan validates it finds it.
    registry = RecognizerRegistry.default(phone_regions=("GB",))
    assert [s.type for s in registry.analyze("switchboard is 020 7946 0958")] == ["PHONE_NUMBER"]
    assert RecognizerRegistry.default(phone_regions=("US",)).analyze("switchboard is 020 7946 0958") == []
    # With one, the number is reported from any region, at the lower context score.
    [ringed] = RecognizerRegistry.default(phone_regions=("US",)).analyze("ring 020 7946 0958")
    assert (ringed.type, ringed.source) == ("PHONE_NUMBER", "pattern:phone_number_context")


def test_lone_surrogates_do_not_break_analysis(registry: RecognizerRegistry) -> None:
    text = "\ud800 call +1 (415) 555-2671 \udfff bob@example.com"
    assert [s.type for s in registry.analyze(text)] == ["PHONE_NUMBER", "EMAIL_ADDRESS"]
