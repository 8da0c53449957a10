"""Phone numbers via libphonenumber, with the work it may do per message bounded.

libphonenumber's ``PhoneNumberMatcher`` is the best available judge of what a phone
number looks like in each country, but a national-format number is only
recognisable relative to a region, so it has to run once per region. On prose it is
cheap; on digit-dense text it costs roughly 5-45 microseconds per character *per
region* (measured on phonenumbers 9.0: 100k chars of ``"1/"`` take ~30 s over ten
regions). A streaming guardrail cannot let one message stall a partition, so the
recognizer plans its work first:

* it finds the *numeric runs* (digits plus the punctuation the matcher accepts
  inside a number; a matcher candidate never spans two runs);
* runs with fewer digits than the shortest valid number in any configured region
  cannot contain a match and are blanked out of the matcher's input;
* the remaining runs are scanned, in text order, while ``scan_budget``
  (run characters x regions) lasts; runs that do not fit are blanked too and
  reported whole, if they hold at least 7 digits, as unverified PHONE_NUMBER spans
  (score 0.4, source ``pattern:phone_number_unscanned``). Over-redacting a huge
  digit dump is the safe failure mode; silently skipping it would leak.

A number libphonenumber does not judge valid is still a phone number when the text
says so: local numbers without an area code ("call me on 450 0840") and numbers
from ranges kept for fiction. Presidio raises weak pattern matches with context
words; here a scanned run of 7-15 digits that no valid match touches becomes a
PHONE_NUMBER (score 0.6, source ``pattern:phone_number_context``) when a phone word
(phone, tel, mobile, call, fax, ...) ends right before it, or office/fax/mobile
follows it.

A number written with a country code ("+44 7700 900123") says it is a phone number by its form alone, so it
is kept when libphonenumber finds its length possible for that country even if the range is not assigned
(score 0.7, source ``pattern:phone_number_e164``): fiction ranges and new ranges must not reach the LLM.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import ClassVar, Final

import phonenumbers

from guardstream.classifiers.pii import spans as types
from guardstream.classifiers.pii.base import PatternRecognizer, Recognizer, ascii_digits
from guardstream.classifiers.pii.patterns import CreditCardRecognizer, IbanRecognizer, UsSsnRecognizer
from guardstream.classifiers.pii.spans import PATTERN_SOURCE_PREFIX, PiiSpan

DEFAULT_PHONE_REGIONS: Final[tuple[str, ...]] = ("US", "GB", "DE", "FR", "IN", "AU", "CA", "ES", "IT", "NL")

# Characters libphonenumber's matcher accepts between digit blocks (its private
# _PUNCTUATION, incl. zero-width and fullwidth forms) plus its leading chars.
_RUN_PUNCTUATION: Final = (
    r"x\-\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000"
    r"()\uff08\uff09\uff3b\uff3d.\[\]/~\u2053\u223c\uff5e+\uff0b"
)
# Bounded lead so a long run of "((((" costs O(1) per start position.
_NUMERIC_RUN: Final = re.compile(rf"[+(\[\uff08\uff3b\uff0b]{{0,4}}[0-9][0-9{_RUN_PUNCTUATION}]*")
_DIGIT: Final = re.compile(r"[0-9]")

# A phone word, then at most a short gap without digits or line breaks ("Phone:\n" and "call me on " pass).
_CONTEXT_BEFORE: Final = re.compile(
    r"\b(?:phone|telephone|tel|mobile|mob|cell|cellphone|landline|call|ring|fax|desk|whatsapp|sms|text)"
    r"\b[^0-9\n]{0,12}\n?[^0-9\n]{0,3}$",
    re.IGNORECASE,
)
_CONTEXT_AFTER: Final = re.compile(r"[ \t(\-]{0,3}(?:office|fax|mobile|cell|home|work|landline)\b", re.IGNORECASE)
_CONTEXT_WINDOW: Final = 32
# "+44 (0)20 7946 0958": the matcher reads the national part from "(0)" on; the country code belongs to it.
_COUNTRY_CODE_BEFORE: Final = re.compile(r"\+[1-9][0-9]{0,2}[ \u00a0]?$")
_DATE_LIKE: Final = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _min_digits(regions: Sequence[str]) -> int:
    """Fewest digits any number the matcher could accept may have, from the metadata.

    National numbers use the configured regions' possible lengths; international
    (+CC) numbers of any country are found from every region, so their shortest
    country code + national length counts too.
    """

    def shortest(region: str, with_country_code: bool) -> int | None:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        lengths = [n for n in meta.general_desc.possible_length if n > 0] if meta else []
        if not lengths:
            return None
        return min(lengths) + (len(str(meta.country_code)) if with_country_code else 0)

    national = [shortest(r, False) for r in regions]
    international = [shortest(r, True) for r in phonenumbers.SUPPORTED_REGIONS]
    return min(n for n in [*national, *international] if n is not None)


class PhoneRecognizer(PatternRecognizer):
    """Phone numbers that libphonenumber judges VALID in at least one configured region.

    Matches from different regions are de-duplicated (overlaps: the longest wins).
    Matches overlapping a credit card, IBAN or US SSN are dropped: those are digit runs
    that some region's numbering plan can occasionally read as a number (and the
    validated span would win the merge anyway).
    """

    entity_type = types.PHONE_NUMBER
    name = "phone_number"
    score = 0.9
    unscanned_score: ClassVar[float] = 0.4
    context_score: ClassVar[float] = 0.6
    international_score: ClassVar[float] = 0.7
    _UNSCANNED_MIN_DIGITS: ClassVar[int] = 7
    _CONTEXT_DIGITS: ClassVar[tuple[int, int]] = (7, 15)

    def __init__(
        self,
        regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
        *,
        exclude: Iterable[Recognizer] | None = None,
        scan_budget: int = 10_000,
    ) -> None:
        if isinstance(regions, str):
            raise TypeError("regions must be a sequence of region codes, not a string")
        if not regions:
            raise ValueError("PhoneRecognizer needs at least one region")
        unknown = sorted(set(regions) - phonenumbers.SUPPORTED_REGIONS)
        if unknown:
            raise ValueError(f"unknown phone regions: {unknown}")
        if scan_budget < 0:
            raise ValueError("scan_budget must be >= 0")
        self.regions: tuple[str, ...] = tuple(dict.fromkeys(regions))
        self.exclude: tuple[Recognizer, ...] = (
            (CreditCardRecognizer(), IbanRecognizer(), UsSsnRecognizer()) if exclude is None else tuple(exclude)
        )
        self.scan_budget = scan_budget
        self._min_digits = _min_digits(self.regions)

    def __repr__(self) -> str:
        return f"PhoneRecognizer(regions={self.regions!r}, scan_budget={self.scan_budget})"

    def analyze(self, text: str) -> list[PiiSpan]:
        folded = ascii_digits(text)
        scan, blank, unscanned = self._plan(folded)
        found = [_with_country_code(folded, s) for s in self._verified(text, folded, scan, blank)] if scan else []
        found.extend(self._in_context(folded, scan, found))
        found.extend(self._international(folded, scan, found))
        found.extend(self._unscanned(folded, unscanned))
        found.sort(key=lambda s: s.start)
        return found

    def _plan(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]]:
        """Split numeric runs into: scan with the matcher / blank / blank + report unscanned."""
        scan: list[tuple[int, int]] = []
        blank: list[tuple[int, int]] = []
        unscanned: list[tuple[int, int]] = []
        remaining = self.scan_budget
        for m in _NUMERIC_RUN.finditer(text):
            start, end = m.span()
            digits = _count_digits(text, start, end, cap=max(self._min_digits, self._UNSCANNED_MIN_DIGITS))
            if digits < self._min_digits:
                blank.append((start, end))
                continue
            cost = (end - start) * len(self.regions)
            if cost <= remaining:
                remaining -= cost
                scan.append((start, end))
            else:
                blank.append((start, end))
                if digits >= self._UNSCANNED_MIN_DIGITS:
                    unscanned.append((start, end))
        return scan, blank, unscanned

    def _verified(
        self, text: str, folded: str, scan: list[tuple[int, int]], blank: list[tuple[int, int]]
    ) -> list[PiiSpan]:
        """Run the matcher region by region over the runs that still need it.

        Two shortcuts skip most matcher passes (the matcher was ~70% of a worker's non-model CPU on the
        short-request mix, running all ten regions over every digit run):
        * a run lying wholly inside a card or IBAN can only yield matches that are dropped anyway;
        * once every digit of a run is covered by an earlier region's matches, the run is redacted whatever a
          later region would say, so it is not scanned again. (The only difference: where one region reads
          two numbers and a later region one longer number, the earlier reading is kept. Same characters.)
        """
        excluded = [(s.start, s.end) for r in self.exclude for s in r.analyze(text)]
        inside = {run for run in scan if _inside_any(_digit_bounds(folded, run), excluded)}
        todo = [run for run in scan if run not in inside]
        done = [run for run in scan if run in inside]
        candidates: set[tuple[int, int]] = set()
        for region in self.regions:
            if not todo:
                break
            matcher_input = _blanked(folded, sorted(blank + done))
            candidates.update(_matches(matcher_input, region))
            covered = [run for run in todo if _digits_covered(folded, run, candidates)]
            if covered:
                done += covered
                todo = [run for run in todo if run not in covered]
        if not candidates:
            return []
        kept: list[tuple[int, int]] = []
        for start, end in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):  # longest first
            if _overlaps_any(start, end, kept) or _overlaps_any(start, end, excluded):
                continue
            kept.append((start, end))
        return [self._span(start, end) for start, end in kept]

    def _in_context(self, text: str, runs: list[tuple[int, int]], verified: list[PiiSpan]) -> Iterator[PiiSpan]:
        """Scanned runs no valid match touches, kept when the words around them say "phone"."""
        taken = [(s.start, s.end) for s in verified]
        lo, hi = self._CONTEXT_DIGITS
        excluded = _LazySpans(lambda: self._excluded(text))
        source = PATTERN_SOURCE_PREFIX + self.name + "_context"
        for run in runs:
            start, end = _digit_bounds(text, run)
            if text[run[0]] in "+(" and run[0] < start:
                start = run[0]
            if end < run[1] and text[end] == ")":
                end += 1
            if _overlaps_any(start, end, taken) or not lo <= _count_digits(text, start, end, hi + 1) <= hi:
                continue
            if _DATE_LIKE.fullmatch(text[start:end]):
                continue
            before = text[max(0, start - _CONTEXT_WINDOW) : start]
            if not (_CONTEXT_BEFORE.search(before) or _CONTEXT_AFTER.match(text, end)):
                continue
            if excluded.overlaps(start, end):
                continue
            yield self._span(start, end, self.context_score, source=source)

    def _international(self, text: str, runs: list[tuple[int, int]], found: list[PiiSpan]) -> Iterator[PiiSpan]:
        """Runs written as +CC... that no other span took, kept when their length is possible for that country."""
        taken = [(s.start, s.end) for s in found]
        source = PATTERN_SOURCE_PREFIX + self.name + "_e164"
        excluded = _LazySpans(lambda: self._excluded(text))
        for run in runs:
            plus = text.find("+", run[0], run[1])
            if plus == -1 or text[run[0] : plus].strip("([ "):
                continue
            start, end = plus, _digit_bounds(text, run)[1]
            if _overlaps_any(start, end, taken) or not 8 <= _count_digits(text, start, end, 16) <= 15:
                continue
            try:
                number = phonenumbers.parse(text[start:end], None)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
                continue
            if excluded.overlaps(start, end):
                continue
            yield self._span(start, end, self.international_score, source=source)

    def _excluded(self, text: str) -> list[tuple[int, int]]:
        return [(s.start, s.end) for r in self.exclude for s in r.analyze(text)]

    def _unscanned(self, text: str, runs: list[tuple[int, int]]) -> Iterator[PiiSpan]:
        source = PATTERN_SOURCE_PREFIX + self.name + "_unscanned"
        for start, end in runs:
            last_digit = end
            while text[last_digit - 1] not in "0123456789":
                last_digit -= 1
            yield self._span(start, last_digit, self.unscanned_score, source=source)


class _LazySpans:
    """Card/IBAN/SSN spans computed once, and only if a candidate gets far enough to need them."""

    def __init__(self, make: Callable[[], list[tuple[int, int]]]) -> None:
        self._make = make
        self._spans: list[tuple[int, int]] | None = None

    def overlaps(self, start: int, end: int) -> bool:
        if self._spans is None:
            self._spans = self._make()
        return _overlaps_any(start, end, self._spans)


def _with_country_code(text: str, span: PiiSpan) -> PiiSpan:
    if not text.startswith("(0)", span.start):
        return span
    cc = _COUNTRY_CODE_BEFORE.search(text, max(0, span.start - 5), span.start)
    return dataclasses.replace(span, start=cc.start()) if cc else span


def _matches(text: str, region: str) -> Iterator[tuple[int, int]]:
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        yield match.start, match.end


def _count_digits(text: str, start: int, end: int, cap: int) -> int:
    return sum(1 for _ in islice(_DIGIT.finditer(text, start, end), cap))


def _blanked(text: str, runs: list[tuple[int, int]]) -> str:
    """``text`` with ``runs`` replaced by newlines: same offsets, and a newline is not
    phone punctuation, so the matcher neither looks inside nor joins across them."""
    if not runs:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in runs:
        parts.append(text[pos:start])
        parts.append("\n" * (end - start))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _overlaps_any(start: int, end: int, intervals: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in intervals)


def _inside_any(run: tuple[int, int], intervals: list[tuple[int, int]]) -> bool:
    return any(s <= run[0] and run[1] <= e for s, e in intervals)


def _digits_covered(text: str, run: tuple[int, int], matches: set[tuple[int, int]]) -> bool:
    """Every digit of ``run`` lies inside some match."""
    inside = [(s, e) for s, e in matches if s < run[1] and run[0] < e]
    if not inside:
        return False
    return all(any(s <= i < e for s, e in inside) for i in range(run[0], run[1]) if "0" <= text[i] <= "9")


def _digit_bounds(text: str, run: tuple[int, int]) -> tuple[int, int]:
    """``run`` without its leading "+(" and trailing separators: the part a card or IBAN span can cover."""
    start, end = run
    while start < end and not "0" <= text[start] <= "9":
        start += 1
    while end > start and not "0" <= text[end - 1] <= "9":
        end -= 1
    return start, end
