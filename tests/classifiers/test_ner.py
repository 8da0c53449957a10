"""The multilingual PII model: its bundle is verified, it reads names in other languages, and the guard sends
only non-English text to it (English keeps the built-in head unless told otherwise)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from guardstream import Guard
from guardstream.classifiers.bundle import BundleIntegrityError
from guardstream.classifiers.ner import DEFAULT_NER_BUNDLE, NER_SOURCE, TokenNer

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def ner() -> TokenNer:
    return TokenNer.load(intra_op_threads=1)


def _found(text: str, spans: list) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.type) for s in spans]


def test_the_bundle_keeps_its_attribution_and_refuses_a_changed_file(tmp_path: Path) -> None:
    manifest = json.loads((DEFAULT_NER_BUNDLE / "manifest.json").read_text())
    assert manifest["licence"].startswith("CC-BY-4.0") and {"LICENSE", "NOTICE"} <= set(manifest["files"])
    copy = tmp_path / "bundle"
    shutil.copytree(DEFAULT_NER_BUNDLE, copy)
    (copy / "tokenizer.json").write_text((copy / "tokenizer.json").read_text() + " ")
    with pytest.raises(BundleIntegrityError, match=r"tokenizer\.json"):
        TokenNer.load(copy)


def test_names_and_places_in_other_languages(ner: TokenNer) -> None:
    texts = [
        "Guten Tag, ich bin Anna Schmidt und wohne in Leipzig. Bitte rufen Sie mich zurück.",
        "Bonjour, je m'appelle Camille Dubois, je vous écris depuis Lyon.",
    ]
    german, french = ner.predict(texts)
    assert ("Anna", "PERSON") in _found(texts[0], german)  # (it misses "Schmidt" here: a model, not a rule)
    assert ("Leipzig", "LOCATION") in _found(texts[0], german)
    assert "Camille" in " ".join(t for t, _ in _found(texts[1], french))
    assert all(s.source == NER_SOURCE for s in german + french)
    # ordinary words are not names
    assert not {w for w, _ in _found(texts[0], german)} & {"Guten", "Tag", "ich", "Bitte", "Sie"}


def test_long_text_is_scanned_in_windows_and_offsets_stay_right(ner: TokenNer) -> None:
    text = "Sehr geehrte Damen und Herren, " * 40 + "mein Name ist Jonas Becker."
    (spans,) = ner.predict([text])
    assert any(text[s.start : s.end].startswith("Jonas") for s in spans)


def test_the_guard_routes_only_non_english_text_to_it(bundle_dir: Path) -> None:
    guard = Guard.load(bundle_dir, intra_op_threads=1)
    german = "Hallo, hier ist Lukas Wagner, ich habe meine Karte verloren, bitte sperren Sie sie."
    english = "hi, this is Lukas Wagner, I lost my card, please block it"
    de, en = guard.classify([german, english])
    assert de.language == "de" and en.language == "en"
    assert any(s.source == NER_SOURCE for s in de.pii)
    assert not any(s.source == NER_SOURCE for s in en.pii)
    assert "+rampart-pii-" in guard.versions["recognizers"]
    # no ordinary German word is redacted as a name
    assert {german[s.start : s.end] for s in de.pii if s.type == "PERSON"} <= {"Lukas Wagner", "Lukas", "Wagner"}
