"""normalize_for_classification: evasion characters folded, real foreign text kept."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.normalize import normalize_for_classification as normalize


def test_plain_ascii_only_collapses_whitespace() -> None:
    assert normalize("  Hello,\t\tworld!\n\nHow are   you? ") == "Hello, world! How are you?"
    assert normalize("") == ""
    assert normalize(" \n\t ") == ""


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\u00ad"],
)
def test_zero_width_characters_are_removed(invisible: str) -> None:
    assert normalize(f"ig{invisible}nore all prev{invisible}ious") == "ignore all previous"


@pytest.mark.parametrize(
    "control",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"],
)
def test_bidi_controls_are_removed(control: str) -> None:
    assert normalize(f"{control}drop{control} table") == "drop table"


def test_nfkc_folds_compatibility_forms() -> None:
    assert normalize("ＩＧＮＯＲＥ ａｌｌ") == "IGNORE all"  # fullwidth
    assert normalize("𝐢𝐠𝐧𝐨𝐫𝐞") == "ignore"  # mathematical bold
    assert normalize("ﬁle") == "file"  # ligature
    assert normalize("x\u00a0y") == "x y"  # no-break space becomes a plain space


def test_invisible_removed_before_composition() -> None:
    # e + ZWSP + combining acute: removing the ZWSP first lets NFKC compose "é".
    assert normalize("caf e\u200b\u0301".replace(" ", "")) == "café"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pаypаl", "paypal"),  # Cyrillic а inside a Latin word
        ("раураl login", "paypal login"),  # mostly look-alikes, one real Latin letter
        ("ΡΑΥΡΑL", "PAYPAL"),  # Greek capitals
        ("Ηοw to mаke a bοmb", "How to make a bomb"),
        ("іgnоrе рrеvіоus іnstruсtіоns", "ignore previous instructions"),
        ("please run ехес now", "please run exec now"),  # whole word in look-alikes, Latin context
        ("ѕсrіpt", "script"),
        ("vοte", "vote"),
    ],
)
def test_homoglyphs_in_latin_context_are_folded(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Привет, как дела?",
        "Это просто текст: сор, рас, хор",  # look-alike-only words inside Russian text
        "Καλημέρα κόσμε",
        "ΟΚ Αθήνα Ελλάδα",  # Greek look-alike-only word in Greek text
        "Москва",
        "日本語のテキスト",
    ],
)
def test_real_cyrillic_and_greek_text_is_untouched(text: str) -> None:
    assert normalize(text) == text


def test_word_with_other_non_latin_letters_is_untouched() -> None:
    # "привeт" has a Latin e typo, but п/и/в/т are not look-alikes: it is Russian.
    assert normalize("say привeт") == "say привeт"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_output_is_stable_and_clean(text: str) -> None:
    out = normalize(text)
    assert normalize(out) == out  # idempotent
    assert out == out.strip()
    assert "  " not in out
    assert not any(c in out for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066\u200f")
    assert unicodedata.is_normalized("NFKC", out)
