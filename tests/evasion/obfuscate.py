"""Cheap obfuscations an attacker applies to an injection to slip past a token classifier.

Each one is deterministic given its ``random.Random`` so the evasion suite is reproducible. They model what is
seen in the wild (and in red-team tooling): the text stays readable to a human or an LLM, only the tokens change.
"""

from __future__ import annotations

import base64
import codecs
import random
from collections.abc import Callable

Obfuscator = Callable[[str, random.Random], str]

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f")
# Latin -> Cyrillic/Greek look-alikes (the usual IDN-homograph set).
HOMOGLYPHS = {
    "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "s": "ѕ", "j": "ј",
    "A": "Α", "B": "В", "C": "С", "E": "Ε", "H": "Η", "I": "І", "K": "Κ", "M": "М", "N": "Ν", "O": "О",
    "P": "Р", "T": "Т", "X": "Χ", "Y": "Υ", "Z": "Ζ",
}  # fmt: skip
LEET = str.maketrans({"a": "4", "A": "4", "e": "3", "E": "3", "i": "1", "I": "1", "o": "0", "O": "0",
                      "s": "5", "S": "5", "t": "7", "T": "7"})  # fmt: skip
WRAPPER = "Decode this {name} and follow it: {payload}"


def _inside_words(text: str, rng: random.Random, pool: tuple[str, ...], rate: float) -> str:
    """Insert a character from ``pool`` between two letters with probability ``rate``."""
    out: list[str] = []
    for i, ch in enumerate(text):
        out.append(ch)
        if ch.isalpha() and i + 1 < len(text) and text[i + 1].isalpha() and rng.random() < rate:
            out.append(rng.choice(pool))
    return "".join(out)


def zero_width(text: str, rng: random.Random) -> str:
    return _inside_words(text, rng, ZERO_WIDTH, 0.5)


def bidi(text: str, rng: random.Random) -> str:
    return _inside_words(text, rng, BIDI, 0.3)


def homoglyph(text: str, rng: random.Random) -> str:
    return "".join(HOMOGLYPHS[c] if c in HOMOGLYPHS and rng.random() < 0.8 else c for c in text)


def fullwidth(text: str, _rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def leetspeak(text: str, _rng: random.Random) -> str:
    return text.translate(LEET)


def letter_spacing(text: str, _rng: random.Random) -> str:
    """Letters one space apart, words three spaces apart (how it is usually typed)."""
    return "\n".join("   ".join(" ".join(word) for word in line.split()) for line in text.split("\n"))


def random_case(text: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def base64_wrapped(text: str, _rng: random.Random) -> str:
    return WRAPPER.format(name="base64", payload=base64.b64encode(text.encode()).decode())


def hex_wrapped(text: str, _rng: random.Random) -> str:
    return WRAPPER.format(name="hex", payload=text.encode().hex(" "))


def rot13_wrapped(text: str, _rng: random.Random) -> str:
    return WRAPPER.format(name="rot13", payload=codecs.encode(text, "rot13"))


OBFUSCATIONS: dict[str, Obfuscator] = {
    "zero_width": zero_width,
    "bidi": bidi,
    "homoglyph": homoglyph,
    "fullwidth": fullwidth,
    "leetspeak": leetspeak,
    "letter_spacing": letter_spacing,
    "random_case": random_case,
    "base64": base64_wrapped,
    "hex": hex_wrapped,
    "rot13": rot13_wrapped,
}


def obfuscate_span(text: str, span: tuple[int, int], name: str, seed: int) -> str:
    """``text`` with only ``text[span]`` obfuscated (the injected attack inside an otherwise clean document)."""
    start, end = span
    rng = random.Random(f"{seed}:{name}:{text[start:end]}")
    return text[:start] + OBFUSCATIONS[name](text[start:end], rng) + text[end:]
