"""Regex-plus-validation recognizers for the structured PII types.

Modelled on Presidio's pattern recognizers: a regex finds *candidates* cheaply and
only candidates that survive validation (checksums, allocation rules, ``ipaddress``)
are reported, scored by how much that validation proves.

Every regex here must stay linear on hostile input because message text is
attacker-controlled: all quantifiers that can repeat are bounded, nothing repeats
inside another unbounded repetition, and lookarounds are fixed-width.
``tests/pii/test_pii_adversarial.py`` enforces this with timing guards.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import ClassVar

from guardstream.classifiers.pii import spans as types
from guardstream.classifiers.pii.base import PatternRecognizer, ascii_digits
from guardstream.classifiers.pii.spans import PiiSpan
from guardstream.classifiers.pii.validators import (
    IBAN_LENGTHS,
    LuhnPrefixSums,
    card_network_by_prefix,
    iban_valid,
    us_ssn_valid,
)


class EmailRecognizer(PatternRecognizer):
    """Addresses with a dot-atom local part (<= 64 chars, no empty atoms) and a dotted hostname.

    Quoted local parts, IP-literal domains and exotic local-part symbols are legal
    but essentially never appear in chat text; the common set keeps the regex small
    and keeps surrounding quotes/brackets out of the span. The lookbehind stops a
    match from starting mid-word; a local part may still start after a dot so that
    "see...bob@example.com" is found. Atoms cannot contain the dot that separates
    them, so the nested (bounded) repetition has a single way to match and hostile
    runs like ``a.a.a.a...`` cost a bounded number of steps per start position.
    """

    entity_type = types.EMAIL_ADDRESS
    name = "email"
    score = 1.0

    _PATTERN: ClassVar = re.compile(
        r"(?<![A-Za-z0-9_%+\-])"
        r"(?P<local>[A-Za-z0-9_%+\-]{1,64}(?:\.[A-Za-z0-9_%+\-]{1,64}){0,31})"
        r"@"
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}"
        r"[A-Za-z]{2,63}"
        r"(?![A-Za-z0-9\-])"
    )

    def analyze(self, text: str) -> list[PiiSpan]:
        return [
            self._span(m.start(), m.end())
            for m in self._PATTERN.finditer(text)
            if len(m.group("local")) <= 64  # RFC 5321 limit
        ]


class CreditCardRecognizer(PatternRecognizer):
    """12-19 digit card numbers, contiguous or grouped by single spaces/dashes.

    Candidates are built from *digit groups* rather than one regex so that a card
    sitting next to other numbers ("order 1234 4111 1111 1111 1111", or two cards
    separated by a space) is still found: every run of adjacent groups is tried from
    each group boundary, keeping the longest Luhn + IIN valid number. A card never
    starts or ends inside a group, so a long digit string (an id, a hash) is never
    partially claimed as a card.
    """

    entity_type = types.CREDIT_CARD
    name = "credit_card"
    score = 1.0

    _GROUP: ClassVar = re.compile(r"[0-9]+")
    _SEPARATORS: ClassVar = frozenset(" -")
    _MIN_DIGITS: ClassVar = 12  # Maestro
    _MAX_DIGITS: ClassVar = 19

    def analyze(self, text: str) -> list[PiiSpan]:
        text = ascii_digits(text)
        return [self._span(start, end) for start, end in self._find(text)]

    def _find(self, text: str) -> Iterator[tuple[int, int]]:
        for chain in self._chains(text):
            yield from self._valid_in_chain(text, chain)

    def _chains(self, text: str) -> Iterator[list[tuple[int, int]]]:
        """Maximal runs of digit groups joined by exactly one space or dash."""
        chain: list[tuple[int, int]] = []
        for m in self._GROUP.finditer(text):
            start, end = m.span()
            if end - start > self._MAX_DIGITS:
                # Too long to be (part of) a card; it also breaks any chain through it.
                if chain:
                    yield chain
                chain = []
                continue
            if chain and not (start - chain[-1][1] == 1 and text[start - 1] in self._SEPARATORS):
                yield chain
                chain = []
            chain.append((start, end))
        if chain:
            yield chain

    def _valid_in_chain(self, text: str, chain: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
        """Longest valid card from each group start, left to right, non-overlapping."""
        digits = "".join(text[start:end] for start, end in chain)
        bounds = [0]  # bounds[k]: digit offset where group k starts (and k-1 ends)
        for start, end in chain:
            bounds.append(bounds[-1] + end - start)
        luhn: LuhnPrefixSums | None = None
        i = 0
        while i < len(chain):
            a = bounds[i]
            network = card_network_by_prefix(digits[a : a + 4])
            # Group boundaries k where digits[a:bounds[k]] has 12..19 digits, longest first.
            lo = bisect_left(bounds, a + self._MIN_DIGITS, i + 1)
            hi = bisect_right(bounds, a + self._MAX_DIGITS, i + 1)
            best = None
            if network is not None:
                for k in range(hi - 1, lo - 1, -1):
                    if bounds[k] - a in network[1]:
                        luhn = luhn or LuhnPrefixSums(digits)
                        if luhn.valid(a, bounds[k]):
                            best = k
                            break
            if best is None:
                i += 1
                continue
            yield chain[i][0], chain[best - 1][1]
            i = best


class IbanRecognizer(PatternRecognizer):
    """IBANs, compact or printed in groups of four, checked by length table and mod-97.

    The regex over-approximates (it may swallow a following 4-letter word such as
    "GB82 ... 32 THEN"); the country length then tells us where the IBAN really ends,
    and we only accept that cut if it falls on a token boundary. On a rejected
    candidate the search resumes one character later rather than after the
    candidate, so an IBAN preceded by a look-alike token is not skipped.
    """

    entity_type = types.IBAN_CODE
    name = "iban_code"
    score = 1.0

    _PATTERN: ClassVar = re.compile(
        r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]{4}){1,7}(?: ?[A-Za-z0-9]{1,3})?"
    )

    def analyze(self, text: str) -> list[PiiSpan]:
        text = ascii_digits(text)
        found: list[PiiSpan] = []
        pos = 0
        while (m := self._PATTERN.search(text, pos)) is not None:
            end = self._valid_end(text, m)
            if end is None:
                pos = m.start() + 1
                continue
            found.append(self._span(m.start(), end))
            pos = end
        return found

    @staticmethod
    def _valid_end(text: str, m: re.Match[str]) -> int | None:
        expected = IBAN_LENGTHS.get(m.group()[:2].upper())
        if expected is None:
            return None
        compact: list[str] = []
        end = m.start()
        for offset, ch in enumerate(m.group()):
            if ch == " ":
                continue
            compact.append(ch)
            if len(compact) == expected:
                end = m.start() + offset + 1
                break
        if len(compact) != expected:
            return None
        if end < len(text) and text[end].isascii() and text[end].isalnum():
            return None  # the cut would split a token: longer than this country allows
        return end if iban_valid("".join(compact)) else None


class UsSsnRecognizer(PatternRecognizer):
    """US SSNs as AAA-GG-SSSS / AAA GG SSSS (0.85) or nine bare digits (0.5).

    There is no checksum, only SSA allocation rules, so an unseparated nine-digit
    number is weak evidence (zip+4, account numbers) and gets a low score. The
    separator must be the same in both places; dash-adjacent digits are excluded so
    that segments of longer dashed numbers ("2024-123-45-6789") do not match.
    """

    entity_type = types.US_SSN
    name = "us_ssn"
    score = 0.85
    unseparated_score: ClassVar[float] = 0.5

    _PATTERN: ClassVar = re.compile(r"(?<![0-9])(?<![0-9]-)([0-9]{3})([- ]?)([0-9]{2})\2([0-9]{4})(?![0-9])(?!-[0-9])")

    def analyze(self, text: str) -> list[PiiSpan]:
        text = ascii_digits(text)
        found: list[PiiSpan] = []
        for m in self._PATTERN.finditer(text):
            area, sep, group, serial = m.groups()
            if us_ssn_valid(area + group + serial):
                found.append(self._span(m.start(), m.end(), self.score if sep else self.unseparated_score))
        return found


class IpRecognizer(PatternRecognizer):
    """IPv4 and IPv6 (incl. ``::`` compression and IPv4-mapped tails).

    The regexes only propose candidates; ``ipaddress`` decides, so "999.1.1.1" or a
    MAC address never match. Boundaries exclude letters so "v1.2.3.4" and C++
    ``std::`` scopes are not addresses. An IPv4 found inside an IPv6 match
    (``::ffff:10.0.0.1``) is reported once, as part of the IPv6 address.
    """

    entity_type = types.IP_ADDRESS
    name = "ip_address"
    score = 0.95

    _V4: ClassVar = re.compile(r"(?<![0-9A-Za-z.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9A-Za-z])(?!\.[0-9])")
    _V6: ClassVar = re.compile(
        r"(?<![0-9A-Za-z:.])"
        r"(?:[0-9A-Fa-f]{0,4}:){2,7}"
        r"(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{1,4})?"
        r"(?![0-9A-Za-z:])"
    )

    def analyze(self, text: str) -> list[PiiSpan]:
        text = ascii_digits(text)
        v6: list[PiiSpan] = []
        for m in self._V6.finditer(text):
            length = self._v6_length(m.group())
            if length is not None:
                v6.append(self._span(m.start(), m.start() + length))
        v4: list[PiiSpan] = []
        covered = iter(v6)  # both lists are in text order: one merge-style pass
        current = next(covered, None)
        for m in self._V4.finditer(text):
            while current is not None and current.end <= m.start():
                current = next(covered, None)
            if current is not None and current.start <= m.start():
                continue  # the IPv4 tail of an IPv4-mapped IPv6 address
            try:
                ipaddress.IPv4Address(m.group())
            except ValueError:
                continue
            v4.append(self._span(m.start(), m.end()))
        return sorted(v6 + v4, key=lambda s: s.start)

    @staticmethod
    def _v6_length(candidate: str) -> int | None:
        """Length of the valid IPv6 prefix of ``candidate`` (tolerating a trailing ':')."""
        if not any(c not in ":." for c in candidate):
            return None  # a bare "::" in prose is punctuation, not an address
        options = [candidate]
        if candidate.endswith(":") and not candidate.endswith("::"):
            options.append(candidate[:-1])  # "... at 2001:db8::1: reachable"
        for option in options:
            try:
                ipaddress.IPv6Address(option)
            except ValueError:
                continue
            return len(option)
        return None


class UrlRecognizer(PatternRecognizer):
    """``http(s)://`` and ``www.`` URLs, scored low because a URL is usually not personal.

    Bare domains are deliberately not matched (too many false positives on file
    names and code). The lookbehind keeps this off the domain part of an email
    address; trailing sentence punctuation and an unbalanced ``)`` are trimmed.
    """

    entity_type = types.URL
    name = "url"
    score = 0.6

    _PATTERN: ClassVar = re.compile(
        r"(?<![A-Za-z0-9@._%+\-/])(?:https?://|www\.)[^\s<>\"'`{}|\\^]{1,8192}",
        re.IGNORECASE,
    )
    _TRAILING: ClassVar = frozenset(".,;:!?)]}*")

    def analyze(self, text: str) -> list[PiiSpan]:
        found: list[PiiSpan] = []
        for m in self._PATTERN.finditer(text):
            url = self._trim(m.group())
            if self._has_host(url):
                found.append(self._span(m.start(), m.start() + len(url)))
        return found

    def _trim(self, url: str) -> str:
        end = len(url)
        unmatched_close = url.count(")") - url.count("(")
        while end and url[end - 1] in self._TRAILING:
            if url[end - 1] == ")":
                if unmatched_close <= 0:
                    break  # balanced, e.g. https://en.wikipedia.org/wiki/Foo_(bar)
                unmatched_close -= 1
            end -= 1
        return url[:end]

    @staticmethod
    def _has_host(url: str) -> bool:
        lowered = url.lower()
        rest = lowered.split("://", 1)[1] if "://" in lowered else lowered[len("www.") :]
        host = re.split(r"[/?#]", rest, maxsplit=1)[0]
        return any(c.isalnum() for c in host)
