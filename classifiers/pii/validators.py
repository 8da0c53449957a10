"""Pure structural checks (checksums, number-range rules) behind the pattern recognizers.

Regexes only find things *shaped* like PII; these functions decide whether a candidate
can actually be one. They are kept apart from the regexes so they can be tested on
their own and reused (e.g. the phone recognizer's card/IBAN exclusion). All functions
take already-compacted ASCII strings (no separators) and never raise on bad input.
"""

from __future__ import annotations

from typing import Final

# Doubling table for Luhn: index = digit, value = digit * 2 with the digits summed.
_LUHN_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check used by all payment card numbers."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        total += _LUHN_DOUBLED[d] if i % 2 else d
    return total % 10 == 0


_VISA_LENGTHS: Final = frozenset({13, 16, 19})
_LENGTHS_16: Final = frozenset({16})
_LENGTHS_15: Final = frozenset({15})
_LENGTHS_16_19: Final = frozenset(range(16, 20))
_LENGTHS_14_19: Final = frozenset(range(14, 20))
_MAESTRO_LENGTHS: Final = frozenset(range(12, 20))
_MAESTRO_PREFIXES: Final = frozenset({5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763})


def card_network_by_prefix(prefix: str) -> tuple[str, frozenset[int]] | None:
    """Card network and its allowed lengths for a number starting with ``prefix`` (>= 4 digits).

    Split from ``card_network`` so a scanner trying many lengths from the same start
    pays for the prefix lookup once.
    """
    if len(prefix) < 4 or not prefix.isascii() or not prefix.isdigit():
        return None
    p2, p3, p4 = int(prefix[:2]), int(prefix[:3]), int(prefix[:4])
    if prefix[0] == "4":
        return "visa", _VISA_LENGTHS
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return "mastercard", _LENGTHS_16
    if p2 in (34, 37):
        return "amex", _LENGTHS_15
    if p4 == 6011 or p2 == 65 or 644 <= p3 <= 649:
        return "discover", _LENGTHS_16_19
    if p2 == 35:  # JCB proper is 3528-3589; card generators (Faker) use all of 35xx
        return "jcb", _LENGTHS_16_19
    if p4 in (1800, 2131):  # JCB's older 15-digit ranges (Faker and presidio_synth still generate them)
        return "jcb", _LENGTHS_15
    if p4 in _MAESTRO_PREFIXES or 56 <= p2 <= 58:
        return "maestro", _MAESTRO_LENGTHS
    if p2 in (36, 38) or 300 <= p3 <= 305:
        return "diners", _LENGTHS_14_19
    return None


def card_network(digits: str) -> str | None:
    """Name of the card network whose IIN range and length fit ``digits``, else None.

    Luhn alone accepts 10% of random digit strings; requiring a known issuer prefix
    *and* that network's length cuts false positives on order ids, timestamps etc.
    """
    network = card_network_by_prefix(digits[:4])
    if network is None or len(digits) not in network[1] or not (digits.isascii() and digits.isdigit()):
        return None
    return network[0]


class LuhnPrefixSums:
    """O(1) Luhn checks for every substring of one digit string.

    Scanning a long run of digit groups tries up to seven lengths from every group
    start; recomputing Luhn each time made hostile input ("4 4 4 4 ...") cost
    seconds. With per-parity prefix sums of plain and doubled digits, the Luhn sum of
    ``digits[a:b]`` is four subtractions: position p is doubled iff (b-1-p) is odd.
    """

    __slots__ = ("_doubled", "_plain")

    def __init__(self, digits: str) -> None:
        plain: tuple[list[int], list[int]] = ([0], [0])
        doubled: tuple[list[int], list[int]] = ([0], [0])
        for p, ch in enumerate(digits):
            d = ord(ch) - 48
            hit, miss = p % 2, 1 - p % 2
            plain[hit].append(plain[hit][-1] + d)
            plain[miss].append(plain[miss][-1])
            doubled[hit].append(doubled[hit][-1] + _LUHN_DOUBLED[d])
            doubled[miss].append(doubled[miss][-1])
        self._plain = plain
        self._doubled = doubled

    def valid(self, start: int, end: int) -> bool:
        last = (end - 1) % 2
        total = (self._plain[last][end] - self._plain[last][start]) + (
            self._doubled[1 - last][end] - self._doubled[1 - last][start]
        )
        return total % 10 == 0


def credit_card_valid(digits: str) -> bool:
    return card_network(digits) is not None and luhn_valid(digits)


# IBAN length per country (ISO 13616 / SWIFT IBAN registry). A wrong length is the
# cheapest rejection, and it tells us where an unspaced IBAN ends.
IBAN_LENGTHS: Final[dict[str, int]] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}  # fmt: skip


def iban_valid(compact: str) -> bool:
    """Country length table + ISO 7064 mod-97 check on an IBAN without spaces.

    Mod-97 catches all single-character errors and transpositions, so together with
    the length table a random alphanumeric run almost never passes.
    """
    iban = compact.upper()
    if not iban.isascii() or not iban.isalnum():
        return False
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    # int(c, 36) maps 0-9 to themselves and A-Z to 10-35, exactly ISO 13616's table.
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return int(numeric) % 97 == 1


# Numbers the SSA never issues or that were published and are known fakes
# (Woolworth wallet card, the "123-45-6789" placeholder, a 1940s advertising sample).
_INVALID_SSNS: Final = frozenset({"078051120", "123456789", "219099999"})


def us_ssn_valid(digits: str) -> bool:
    """SSA allocation rules: area 000/666/9xx, group 00 and serial 0000 never issued."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    if group == "00" or serial == "0000":
        return False
    return digits not in _INVALID_SSNS
