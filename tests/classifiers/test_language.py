"""The language vote that picks the PII path: clear cases, and the default when too few words vote."""

from __future__ import annotations

import pytest

from guardstream.classifiers.language import ENGLISH, UNKNOWN, detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hi, could you please check why my card was declined", "en"),
        ("Hallo, ich möchte bitte meine Adresse ändern, danke", "de"),
        ("Bonjour, je voudrais changer mon adresse, merci", "fr"),
        ("Hola, quiero cambiar mi dirección, gracias", "es"),
        ("Buongiorno, vorrei cambiare il mio indirizzo, grazie", "it"),
        ("Olá, gostaria de mudar o meu endereço, obrigado", "pt"),
        ("Goedemorgen, ik wil graag mijn adres wijzigen, bedankt", "nl"),
    ],
)
def test_clear_sentences_are_told_apart(text: str, language: str) -> None:
    assert detect(text) == language


def test_text_without_function_words_is_undetermined() -> None:
    assert detect("4111 1111 1111 1111") == UNKNOWN
    assert detect("") == UNKNOWN
    assert ENGLISH == "en"
