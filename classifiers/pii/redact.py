"""Anonymizer operators and ``redact``: turn a text plus resolved spans into safe text.

Modelled on Presidio's anonymizer: an *operator* decides what replaces one entity
value (a tag, a mask, a keyed hash) and ``redact`` applies operators to spans. The
result records where each entity was and where its replacement is, but never the
value itself, so a ``RedactionResult`` is safe to log or put on an audit topic.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, runtime_checkable

from guardstream.classifiers.pii.spans import PiiSpan

MIN_SALT_BYTES = 16
_HASH_HEX_CHARS = 12


@runtime_checkable
class Operator(Protocol):
    """Replaces one entity value; ``name`` identifies the operator in config and audits."""

    @property
    def name(self) -> str: ...

    def apply(self, value: str, entity_type: str) -> str: ...


@dataclass(frozen=True, slots=True)
class ReplaceOperator:
    """``<CREDIT_CARD>``: drops the value entirely but keeps what kind of thing it was,
    which is what an LLM (or a human reviewer) needs to make sense of the text."""

    name: ClassVar[str] = "replace"

    def apply(self, value: str, entity_type: str) -> str:
        return f"<{entity_type}>"


@dataclass(frozen=True, slots=True)
class MaskOperator:
    """Same-length mask, optionally keeping the last ``keep_last`` characters.

    Keeping the length preserves layout (tables, fixed-width logs); keeping e.g. the
    last 4 card digits lets support staff match a card without seeing it. The tail is
    only kept when the value is longer than ``2 * keep_last``, so a short value is
    never mostly revealed.
    """

    name: ClassVar[str] = "mask"
    char: str = "*"
    keep_last: int = 0

    def __post_init__(self) -> None:
        if len(self.char) != 1:
            raise ValueError("mask char must be a single character")
        if self.keep_last < 0:
            raise ValueError("keep_last must be >= 0")

    def apply(self, value: str, entity_type: str) -> str:
        if self.keep_last and len(value) > 2 * self.keep_last:
            return self.char * (len(value) - self.keep_last) + value[-self.keep_last :]
        return self.char * len(value)


class HashOperator:
    """``<CREDIT_CARD:1a2b3c4d5e6f>``: a keyed, truncated HMAC-SHA256 of type + value.

    Stable for the same salt and value, so downstream consumers can tell that two
    messages mention the same card or email without learning it. The HMAC key (the
    salt) is what stops a dictionary attack over, say, all phone numbers, hence the
    16-byte minimum and the care never to put it in messages or reprs. The type is
    part of the MAC input so equal strings of different types do not correlate.
    """

    __slots__ = ("_salt",)
    name: ClassVar[str] = "hash"

    def __init__(self, salt: bytes) -> None:
        if not isinstance(salt, bytes | bytearray | memoryview):
            raise TypeError("hash salt must be bytes")
        salt = bytes(salt)
        if len(salt) < MIN_SALT_BYTES:
            raise ValueError(f"hash salt must be at least {MIN_SALT_BYTES} bytes")
        self._salt = salt

    def apply(self, value: str, entity_type: str) -> str:
        message = f"{entity_type}:{value}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:_HASH_HEX_CHARS]
        return f"<{entity_type}:{digest}>"

    def __repr__(self) -> str:
        return "HashOperator(salt=<redacted>)"


def operator_from_name(name: Literal["replace", "mask", "hash"], *, salt: bytes | None = None) -> Operator:
    """Build an operator from a config string; ``hash`` requires ``salt``."""
    if name == "replace":
        return ReplaceOperator()
    if name == "mask":
        return MaskOperator()
    if name == "hash":
        if salt is None:
            raise ValueError("the hash operator requires a salt")
        return HashOperator(salt)
    raise ValueError(f"unknown redaction operator {name!r}; expected 'replace', 'mask' or 'hash'")


@dataclass(frozen=True, slots=True)
class RedactedItem:
    """Where one entity was (``start/end`` in the original) and where its replacement
    is (``new_start/new_end`` in the redacted text). Deliberately no value."""

    type: str
    start: int
    end: int
    new_start: int
    new_end: int


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    items: tuple[RedactedItem, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Entities redacted per type, e.g. for the PII summary on audit records."""
        return dict(Counter(item.type for item in self.items))


def redact(
    text: str,
    spans: Sequence[PiiSpan],
    operator: Operator | Mapping[str, Operator],
    default: Operator | None = None,
) -> RedactionResult:
    """Replace every span of ``text`` using ``operator``.

    ``spans`` must be in range and must not overlap (run ``merge_spans`` first);
    they may come in any order. Violations raise ``ValueError`` rather than being
    patched up silently, because a wrong span means a detector bug that could leave
    PII behind. Error messages name offsets and types, never text.

    With a mapping, each span's type selects its operator; types not in it use
    ``default``, and ``ReplaceOperator`` when ``default`` is None, so an unmapped
    type is still redacted.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    _check_spans(ordered, len(text))
    fallback = default if default is not None else ReplaceOperator()

    parts: list[str] = []
    items: list[RedactedItem] = []
    pos = 0
    new_pos = 0
    for span in ordered:
        kept = text[pos : span.start]
        parts.append(kept)
        new_pos += len(kept)
        op = operator.get(span.type, fallback) if isinstance(operator, Mapping) else operator
        replacement = op.apply(text[span.start : span.end], span.type)
        parts.append(replacement)
        items.append(RedactedItem(span.type, span.start, span.end, new_pos, new_pos + len(replacement)))
        new_pos += len(replacement)
        pos = span.end
    parts.append(text[pos:])
    return RedactionResult(text="".join(parts), items=tuple(items))


def _check_spans(ordered: Sequence[PiiSpan], text_length: int) -> None:
    previous: PiiSpan | None = None
    for span in ordered:
        if span.start < 0 or span.end > text_length or span.start >= span.end:
            raise ValueError(
                f"{span.type} span [{span.start}, {span.end}) is out of range for a text of length {text_length}"
            )
        if previous is not None and span.start < previous.end:
            raise ValueError(
                f"overlapping spans {previous.type} [{previous.start}, {previous.end}) and "
                f"{span.type} [{span.start}, {span.end}); call merge_spans first"
            )
        previous = span
