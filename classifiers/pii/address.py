"""Street addresses (US, GB, DE, FR, ES, IT, PT, NL) as one ADDRESS span: street, number, postcode, city.

No maintained library covers these countries in running text (``pyap`` knows US, CA and GB formats only and
was last released in 2020; ``usaddress`` parses an address already cut out of the text), so the formats are
data (``data/address_formats.yaml``: each country's street-type words and postcode) and this module composes
them into patterns. A match needs a street word *and* a house number, so "Via Roma is closed" stays a
LOCATION for the model, while "Via Roma 10, 00184 Roma" is redacted whole: an address cut into a redacted
city and a visible street still identifies the person.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from guardstream.classifiers.pii.base import PatternRecognizer, ascii_digits
from guardstream.classifiers.pii.spans import ADDRESS, PiiSpan

_UPPER: Final = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪĮİŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŲŹŻŽ"
# A capitalised word ("Baker", "Mühlbach", "Jaurès", "Saint-Michel", "II") or a number-word street ("5th").
_CAP: Final = rf"(?:[{_UPPER}][^\W\d_]*(?:['’\-][^\W\d_]+)*\.?|\d{{1,3}}(?:st|nd|rd|th))"
_NUMBER: Final = r"\d{1,5}(?:\s?[a-zA-Z](?![^\W\d_]))?(?:\s?(?:bis|ter)\b)?(?:\s?[-/]\s?\d{1,4}[a-zA-Z]?)?"
# Floor / door / flat parts written between the street and the postcode ("4º A", "1º izq.", "Apt 3B").
_UNIT: Final = (
    r"(?:,?\s*(?:\d{1,2}\s?[ºª°](?:\s?\d{1,2}\s?[ºª°])?(?:\s?(?:[A-Z]\b|izq\.?|dcha\.?|esq\.?|dto\.?|dt\.?))?"
    r"|(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*[\w-]{1,6}))"
)
_GAP: Final = r"[ \t]+"
_COMMA: Final = r"(?:,[ \t]*|[ \t]+|,?[ \t]*\n[ \t]*)"


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _name(particles: list[str]) -> str:
    """A street or city name: capitalised words, with the country's lowercase particles between them."""
    if not particles:
        return rf"{_CAP}(?:{_GAP}{_CAP}){{0,4}}"
    glued = [p for p in particles if p.endswith("'")]
    spaced = [p for p in particles if not p.endswith("'")]
    particle = rf"(?:(?:{_words(spaced)}){_GAP}" + (rf"|(?:{_words(glued)})" if glued else "") + ")"
    return rf"{particle}*{_CAP}(?:{_GAP}{particle}*{_CAP}){{0,4}}"


def _country_pattern(spec: dict[str, Any]) -> str:
    particles = spec.get("particles", [])
    name = _name(particles)
    streets: list[str] = []
    if "number_first" in spec:
        streets.append(
            rf"(?:(?:Flat|Apartment|Unit){_GAP}\d{{1,4}}[A-Z]?,[ \t]*)?{_NUMBER}{_GAP}"
            rf"(?:(?:N|S|E|W|North|South|East|West)\.?{_GAP})?{name}{_GAP}(?:{_words(spec['number_first'])})\b\.?"
        )
    if "suffix" in spec:
        streets.append(rf"[{_UPPER}][^\W\d_]*?(?:{_words(spec['suffix'])})(?![^\W\d_]){_GAP}{_NUMBER}")
    if "separate" in spec:
        streets.append(rf"{_CAP}{_GAP}(?:{_words(spec['separate'])})(?![^\W\d_]){_GAP}{_NUMBER}")
    if "type_first" in spec:
        types = rf"(?i:{_words(spec['type_first'])})"
        if spec.get("number_before_type"):
            streets.append(rf"{_NUMBER},?{_GAP}{types}(?![^\W\d_]){_GAP}{name}")
        elif spec.get("number_after_name"):
            streets.append(
                rf"{types}(?![^\W\d_]){_GAP}{name},?{_GAP}(?:n\.?\s?[ºo°]\.?\s?|nº\s?|no\.?\s?|número\s)?{_NUMBER}"
            )
        else:  # DE "Am Mühlbach 5"
            streets.append(rf"(?:{_words(spec['type_first'])}){_GAP}{name}{_GAP}{_NUMBER}")
    street = "(?:" + "|".join(streets) + ")"
    city = _name(particles)
    tails = []
    if "postcode_before_city" in spec:
        tails.append(rf"{_COMMA}(?:{spec['postcode_before_city']}){_GAP}{city}")
    if "postcode_after_city" in spec:
        tails.append(rf"(?:{_COMMA}{city})?{_COMMA}(?:{spec['postcode_after_city']})\b")
        tails.append(rf"{_COMMA}{city}(?=[ \t]*(?:[,.;!?\n]|$))")
    tail = "(?:" + "|".join(tails) + ")?" if tails else ""
    return rf"(?<![\w]){street}{_UNIT}?{tail}"


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    text = resources.files("guardstream.classifiers.pii").joinpath("data/address_formats.yaml").read_text("utf-8")
    formats: dict[str, dict[str, Any]] = yaml.safe_load(text)
    compiled = [(country, re.compile(_country_pattern(spec))) for country, spec in formats.items()]
    compiled += [
        (f"{country}_postcode", re.compile(rf"(?<![\w]){spec['postcode_alone']}(?![\w])"))
        for country, spec in formats.items()
        if "postcode_alone" in spec
    ]
    return tuple(compiled)


class AddressRecognizer(PatternRecognizer):
    """Street addresses with a house number (plus postcode and city when written with them), and UK postcodes."""

    entity_type = ADDRESS
    name = "address"
    score = 0.8

    def analyze(self, text: str) -> list[PiiSpan]:
        folded = ascii_digits(text)
        found: list[tuple[int, int]] = []
        for _, pattern in _patterns():
            for match in pattern.finditer(folded):
                start, end = match.span()
                while end > start and folded[end - 1] in " \t\n,.":
                    end -= 1
                if end - start >= 6:
                    found.append((start, end))
        kept: list[tuple[int, int]] = []
        for start, end in sorted(found, key=lambda s: (s[0] - s[1], s[0])):  # longest first
            if not any(start < e and s < end for s, e in kept):
                kept.append((start, end))
        return [self._span(start, end) for start, end in sorted(kept)]
