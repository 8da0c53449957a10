"""Operators and redact(): output format, bookkeeping, validation, no value leaks."""

from __future__ import annotations

import pytest

from guardstream.classifiers.pii import (
    HashOperator,
    MaskOperator,
    PiiSpan,
    RecognizerRegistry,
    RedactedItem,
    RedactionResult,
    ReplaceOperator,
    merge_spans,
    operator_from_name,
    redact,
)
from guardstream.classifiers.pii.redact import Operator

SALT = b"0123456789abcdef-test-salt"
CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
TEXT = f"Card {CARD} and mail {EMAIL}."
SPANS = [
    PiiSpan(5, 5 + len(CARD), "CREDIT_CARD", 1.0, "pattern:credit_card"),
    PiiSpan(34, 34 + len(EMAIL), "EMAIL_ADDRESS", 1.0, "pattern:email"),
]


def test_fixture_offsets() -> None:
    assert TEXT[SPANS[0].start : SPANS[0].end] == CARD
    assert TEXT[SPANS[1].start : SPANS[1].end] == EMAIL


# --- operators -------------------------------------------------------------------


def test_replace_operator() -> None:
    assert ReplaceOperator().apply(CARD, "CREDIT_CARD") == "<CREDIT_CARD>"
    assert ReplaceOperator().name == "replace"


def test_mask_operator_keeps_length() -> None:
    assert MaskOperator().apply(CARD, "CREDIT_CARD") == "*" * len(CARD)
    assert MaskOperator(char="#").apply("abc", "X") == "###"


def test_mask_operator_keep_last() -> None:
    op = MaskOperator(keep_last=4)
    assert op.apply(CARD, "CREDIT_CARD") == "*" * (len(CARD) - 4) + "1111"
    # Too short to reveal 4 chars safely: fully masked.
    assert op.apply("12345678", "US_SSN") == "********"
    assert op.apply("123456789", "US_SSN") == "*****6789"


def test_mask_operator_validation() -> None:
    with pytest.raises(ValueError):
        MaskOperator(char="**")
    with pytest.raises(ValueError):
        MaskOperator(char="")
    with pytest.raises(ValueError):
        MaskOperator(keep_last=-1)


def test_hash_operator_format_and_stability() -> None:
    op = HashOperator(SALT)
    out = op.apply(CARD, "CREDIT_CARD")
    assert out.startswith("<CREDIT_CARD:") and out.endswith(">")
    digest = out[len("<CREDIT_CARD:") : -1]
    assert len(digest) == 12 and all(c in "0123456789abcdef" for c in digest)
    assert HashOperator(SALT).apply(CARD, "CREDIT_CARD") == out  # stable across instances
    assert op.apply("4111 1111 1111 1112", "CREDIT_CARD") != out


def test_hash_depends_on_salt_and_type() -> None:
    a = HashOperator(SALT).apply(EMAIL, "EMAIL_ADDRESS")
    b = HashOperator(SALT + b"x").apply(EMAIL, "EMAIL_ADDRESS")
    assert a != b
    assert a.split(":")[1] != HashOperator(SALT).apply(EMAIL, "URL").split(":")[1]


def test_hash_is_the_documented_hmac() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SALT, b"EMAIL_ADDRESS:" + EMAIL.encode(), hashlib.sha256).hexdigest()[:12]
    assert HashOperator(SALT).apply(EMAIL, "EMAIL_ADDRESS") == f"<EMAIL_ADDRESS:{expected}>"


def test_hash_salt_rules_and_secrecy() -> None:
    short = b"tooshort-secret"  # 15 bytes
    with pytest.raises(ValueError) as excinfo:
        HashOperator(short)
    assert "tooshort" not in str(excinfo.value)
    with pytest.raises(TypeError):
        HashOperator("a string salt of enough length")  # type: ignore[arg-type]
    op = HashOperator(SALT)
    assert SALT.decode() not in repr(op)
    assert "salt" in repr(op)


def test_hash_never_raises_on_lone_surrogates() -> None:
    assert HashOperator(SALT).apply("\ud800x", "PERSON").startswith("<PERSON:")


def test_operator_from_name() -> None:
    assert isinstance(operator_from_name("replace"), ReplaceOperator)
    assert isinstance(operator_from_name("mask"), MaskOperator)
    hashed = operator_from_name("hash", salt=SALT)
    assert isinstance(hashed, HashOperator)
    assert hashed.apply("x", "URL") == HashOperator(SALT).apply("x", "URL")
    with pytest.raises(ValueError, match="salt"):
        operator_from_name("hash")
    with pytest.raises(ValueError, match="unknown"):
        operator_from_name("encrypt")  # type: ignore[arg-type]


def test_operators_satisfy_the_protocol() -> None:
    for op in (ReplaceOperator(), MaskOperator(), HashOperator(SALT)):
        assert isinstance(op, Operator)
        assert op.name in {"replace", "mask", "hash"}


# --- redact ----------------------------------------------------------------------


def test_redact_replace_with_positions() -> None:
    result = redact(TEXT, SPANS, ReplaceOperator())
    assert result.text == "Card <CREDIT_CARD> and mail <EMAIL_ADDRESS>."
    assert result.items == (
        RedactedItem("CREDIT_CARD", 5, 24, 5, 18),
        RedactedItem("EMAIL_ADDRESS", 34, 54, 28, 43),
    )
    for item in result.items:
        assert result.text[item.new_start : item.new_end] == f"<{item.type}>"
    assert result.counts == {"CREDIT_CARD": 1, "EMAIL_ADDRESS": 1}


def test_redact_accepts_unsorted_spans() -> None:
    assert redact(TEXT, SPANS[::-1], ReplaceOperator()) == redact(TEXT, SPANS, ReplaceOperator())


def test_redact_per_type_mapping_and_default() -> None:
    result = redact(TEXT, SPANS, {"CREDIT_CARD": MaskOperator(keep_last=4)}, default=HashOperator(SALT))
    assert result.text.startswith("Card ***************1111 and mail <EMAIL_ADDRESS:")
    assert EMAIL not in result.text


def test_redact_mapping_without_default_still_redacts() -> None:
    result = redact(TEXT, SPANS, {"CREDIT_CARD": MaskOperator()})
    assert result.text == f"Card {'*' * len(CARD)} and mail <EMAIL_ADDRESS>."


def test_redact_no_spans() -> None:
    assert redact(TEXT, [], ReplaceOperator()) == RedactionResult(TEXT, ())
    assert redact("", [], ReplaceOperator()).counts == {}


def test_redact_counts_repeated_types() -> None:
    text = "a@b.io c@d.io"
    spans = [PiiSpan(0, 6, "EMAIL_ADDRESS", 1.0, "pattern:email"), PiiSpan(7, 13, "EMAIL_ADDRESS", 1.0, "x")]
    assert redact(text, spans, ReplaceOperator()).counts == {"EMAIL_ADDRESS": 2}


def test_redact_rejects_overlaps_without_leaking_text() -> None:
    spans = [*SPANS, PiiSpan(20, 30, "PERSON", 0.9, "model")]
    with pytest.raises(ValueError, match="merge_spans") as excinfo:
        redact(TEXT, spans, ReplaceOperator())
    assert CARD not in str(excinfo.value) and "1111" not in str(excinfo.value)


def test_redact_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        redact("short", [PiiSpan(2, 9, "PERSON", 0.9, "model")], ReplaceOperator())


def test_items_and_result_carry_no_values() -> None:
    result = redact(TEXT, SPANS, MaskOperator(keep_last=4))
    assert CARD not in repr(result.items)
    assert EMAIL not in repr(result.items)


@pytest.mark.parametrize("operator", [ReplaceOperator(), MaskOperator(), HashOperator(SALT)])
def test_end_to_end_redaction_removes_all_values(registry: RecognizerRegistry, operator: Operator) -> None:
    values = [
        "jane.doe@example.com",
        "+1 (415) 555-2671",
        "4111 1111 1111 1111",
        "GB82 WEST 1234 5698 7654 32",
        "219-45-6789",
        "192.168.10.20",
        "2001:db8::1",
        "https://example.com/u/jane",
        "020 7946 0958",
    ]
    text = "Hi! " + "; ".join(f"item {i}: {v}" for i, v in enumerate(values)) + ". Bye"
    result = redact(text, merge_spans(registry.analyze(text)), operator)
    for value in values:
        assert value not in result.text
    assert result.counts == {
        "EMAIL_ADDRESS": 1,
        "PHONE_NUMBER": 2,
        "CREDIT_CARD": 1,
        "IBAN_CODE": 1,
        "US_SSN": 1,
        "IP_ADDRESS": 2,
        "URL": 1,
    }
