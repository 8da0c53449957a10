"""Street addresses of each supported country are found whole, as one ADDRESS span; street names alone are not."""

from __future__ import annotations

import pytest

from guardstream.classifiers.pii import AddressRecognizer

WHOLE = [
    (
        "US",
        "please ship it to 4502 Elm Street, Apt 3B, Austin, TX 78704 by friday",
        "4502 Elm Street, Apt 3B, Austin, TX 78704",
    ),
    ("US", "I live at 1187 Maple Ave, Columbus, OH 43215.", "1187 Maple Ave, Columbus, OH 43215"),
    ("GB", "my address is 42 Baker Street, London NW1 6XE, thanks", "42 Baker Street, London NW1 6XE"),
    ("GB", "Flat 4, 17 Gloucester Road, Bristol BS7 8AE is the new one", "Flat 4, 17 Gloucester Road, Bristol BS7 8AE"),
    ("DE", "Bitte an Hauptstraße 12, 10115 Berlin schicken", "Hauptstraße 12, 10115 Berlin"),
    ("DE", "wir wohnen Am Mühlbach 5, 91054 Erlangen", "Am Mühlbach 5, 91054 Erlangen"),
    ("DE", "Lieferadresse: Gartenstraße 17, 63065 Offenbach am Main.", "Gartenstraße 17, 63065 Offenbach am Main"),
    ("FR", "envoyez-le au 12 rue de la Paix, 75002 Paris svp", "12 rue de la Paix, 75002 Paris"),
    ("FR", "j'habite 22 bis rue Nationale, 59800 Lille", "22 bis rue Nationale, 59800 Lille"),
    ("ES", "mi dirección es Calle de Alcalá 45, 28014 Madrid", "Calle de Alcalá 45, 28014 Madrid"),
    (
        "ES",
        "vivo en Avenida de la Constitución 15, 4º A, 41004 Sevilla",
        "Avenida de la Constitución 15, 4º A, 41004 Sevilla",
    ),
    ("IT", "spedite a Via Roma 10, 00184 Roma grazie", "Via Roma 10, 00184 Roma"),
    ("IT", "Corso Vittorio Emanuele II 73, 10128 Torino", "Corso Vittorio Emanuele II 73, 10128 Torino"),
    ("PT", "a morada é Rua Augusta 100, 1100-053 Lisboa", "Rua Augusta 100, 1100-053 Lisboa"),
    ("NL", "stuur het naar Kalverstraat 118, 1012 PK Amsterdam", "Kalverstraat 118, 1012 PK Amsterdam"),
]


@pytest.mark.parametrize(("country", "text", "address"), WHOLE, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(WHOLE)])
def test_an_address_is_one_whole_span(country: str, text: str, address: str) -> None:
    spans = AddressRecognizer().analyze(text)
    assert [text[s.start : s.end] for s in spans] == [address]
    assert spans[0].type == "ADDRESS" and spans[0].source == "pattern:address"


def test_a_uk_postcode_alone_is_an_address() -> None:
    text = "is the SW1A 1AA branch open"
    (span,) = AddressRecognizer().analyze(text)
    assert text[span.start : span.end] == "SW1A 1AA"


@pytest.mark.parametrize(
    "text",
    [
        "Via Roma is closed for the market today",
        "I waited 2 hours on the phone",
        "the Hauptstraße was blocked",
        "order 12345 shipped on 3 May",
        "we sold 300 Street Fighter games",
        "la rue est fermée",
    ],
)
def test_no_address_without_a_street_and_a_number(text: str) -> None:
    assert AddressRecognizer().analyze(text) == []
