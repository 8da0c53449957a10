"""Checksums and allocation rules, tested apart from the regexes that feed them."""

from __future__ import annotations

import random

import pytest

from guardstream.classifiers.pii.validators import (
    IBAN_LENGTHS,
    LuhnPrefixSums,
    card_network,
    credit_card_valid,
    iban_valid,
    luhn_valid,
    us_ssn_valid,
)


@pytest.mark.parametrize(
    ("number", "network"),
    [
        ("4111111111111111", "visa"),
        ("4222222222222", "visa"),
        ("5555555555554444", "mastercard"),
        ("2221000000000009", "mastercard"),
        ("378282246310005", "amex"),
        ("371449635398431", "amex"),
        ("6011111111111117", "discover"),
        ("6445644564456445", "discover"),
        ("3530111333300000", "jcb"),
        ("30569309025904", "diners"),
        ("38520000023237", "diners"),
        ("180016070420458", "jcb"),  # JCB's old 15-digit ranges (presidio_synth / Faker generate them)
        ("213161594239298", "jcb"),
        ("3521213764418045", "jcb"),  # Faker's JCB uses all of 35xx
        ("587428561654", "maestro"),  # 12-digit Maestro
        ("676222165679", "maestro"),
        ("6759649826438453", "maestro"),
    ],
)
def test_known_test_cards_are_valid(number: str, network: str) -> None:
    assert card_network(number) == network
    assert credit_card_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111112",  # Luhn fails
        "1234567812345670",  # Luhn ok, no issuer starts with 1
        "180016070420459",  # JCB-15 prefix, Luhn fails
        "5874285616",  # Maestro prefix but 10 digits
        "9111111111111110",  # unknown IIN
        "41111111111111",  # Visa prefix but 14 digits
        "378282246310005" + "0",  # Amex prefix, 16 digits
        "",
        "４１１１１１１１１１１１１１１１",  # non-ASCII digits are folded by the recognizer, not here
    ],
)
def test_invalid_cards(number: str) -> None:
    assert not credit_card_valid(number)


def test_luhn_prefix_sums_agree_with_plain_luhn() -> None:
    rng = random.Random(7)
    digits = "".join(rng.choice("0123456789") for _ in range(300))
    table = LuhnPrefixSums(digits)
    for _ in range(2000):
        a = rng.randrange(0, 280)
        b = rng.randrange(a + 1, min(a + 20, 300) + 1)
        assert table.valid(a, b) == luhn_valid(digits[a:b])


@pytest.mark.parametrize(
    "iban",
    [
        "GB82WEST12345698765432",
        "DE89370400440532013000",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "BE68539007547034",
        "CH9300762011623852957",
        "NO9386011117947",
        "PL61109010140000071219812874",
        "gb82west12345698765432",  # case-insensitive
    ],
)
def test_valid_ibans(iban: str) -> None:
    assert iban_valid(iban)


@pytest.mark.parametrize(
    "iban",
    [
        "GB82WEST12345698765433",  # changed digit
        "GB28WEST12345698765432",  # swapped check digits
        "DE89370400440532013001",
        "DE8937040044053201300",  # too short for DE
        "XX82WEST12345698765432",  # unknown country
        "GB82WEST1234569876543!",
        "",
    ],
)
def test_invalid_ibans(iban: str) -> None:
    assert not iban_valid(iban)


def test_iban_length_table_is_sane() -> None:
    assert all(len(cc) == 2 and cc.isupper() for cc in IBAN_LENGTHS)
    assert all(15 <= n <= 34 for n in IBAN_LENGTHS.values())


@pytest.mark.parametrize("ssn", ["219456789", "001010001", "665999999", "899999999"])
def test_valid_ssns(ssn: str) -> None:
    assert us_ssn_valid(ssn)


@pytest.mark.parametrize(
    "ssn",
    [
        "000456789",  # area 000
        "666456789",  # area 666
        "900456789",  # area 9xx
        "999456789",
        "219006789",  # group 00
        "219450000",  # serial 0000
        "078051120",  # Woolworth wallet card
        "123456789",  # placeholder
        "21945678",
        "21945678a",
    ],
)
def test_invalid_ssns(ssn: str) -> None:
    assert not us_ssn_valid(ssn)
