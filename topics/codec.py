"""Bytes ⇄ models, and the hardened parser for untrusted request envelopes.

:func:`parse_request` is the guardrail's front door: anything a producer can put on the
requests topic goes through it. It therefore never raises anything but
:class:`EnvelopeError` for bad input, checks cheap limits before expensive work (size before
decoding, depth without recursion), and writes error details that never echo the payload,
because those details land in logs and on the dead-letter topic's ``detail`` field.
"""

from __future__ import annotations

import base64
import re
from itertools import accumulate
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from guardstream.topics.schemas import (
    SCHEMA_VERSION,
    ChatMessage,
    DeadLetterReason,
    DeadLetterRecord,
    DeadLetterStage,
    Request,
    SourcePosition,
)

M = TypeVar("M", bound=BaseModel)

MAX_BYTES = 1_048_576
MAX_DEPTH = 32
_MAX_LISTED_ERRORS = 20

# Location parts that are our own field names (or pydantic's type tags) are safe to print.
# Anything else in a location is a key chosen by the sender (metadata keys, unknown fields)
# and may itself be sensitive, so it is masked.
_SAFE_LOC_PARTS = (
    frozenset(Request.model_fields) | frozenset(ChatMessage.model_fields) | {"[key]", "str", "int", "float", "bool"}
)

# A JSON string literal (unrolled-loop form, linear time); used only to blank out strings
# before counting brackets, so brackets inside strings do not count as nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class EnvelopeError(Exception):
    """An input message that cannot become a :class:`Request`; carries why, for the dead letter."""

    def __init__(self, reason: DeadLetterReason, detail: str, stage: DeadLetterStage) -> None:
        # All three go to Exception.args so the error pickles (e.g. across a process pool).
        super().__init__(reason, detail, stage)
        self.reason = reason
        self.detail = detail
        self.stage = stage

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


def encode(model: BaseModel) -> bytes:
    return orjson.dumps(model.model_dump(mode="json", exclude_none=False))


def decode(model_cls: type[M], data: bytes) -> M:
    """Decode trusted-ish bytes (our own topics). Raises pydantic's ``ValidationError``."""
    return model_cls.model_validate_json(data)


def parse_request(raw: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Request:
    """Turn raw bytes from the requests topic into a :class:`Request` or raise :class:`EnvelopeError`."""
    if len(raw) > max_bytes:
        raise EnvelopeError(
            DeadLetterReason.TOO_LARGE, f"payload is {len(raw)} bytes; the limit is {max_bytes}", "parse"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EnvelopeError(
            DeadLetterReason.INVALID_UTF8, f"invalid UTF-8 at byte {exc.start}: {exc.reason}", "parse"
        ) from None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        # orjson gives up at depth 1024 with a decode error; report over-deep input as such.
        if _max_bracket_depth(text[: exc.pos + 1]) > max_depth:
            raise _too_deep(max_depth) from None
        # orjson's messages are fixed strings ("unexpected end of data"), never the input.
        raise EnvelopeError(
            DeadLetterReason.INVALID_JSON,
            f"{exc.msg} at line {exc.lineno} column {exc.colno}",
            "parse",
        ) from None
    if _deeper_than(value, max_depth):
        raise _too_deep(max_depth)
    if not isinstance(value, dict):
        raise EnvelopeError(
            DeadLetterReason.NOT_AN_OBJECT,
            f"top-level JSON value is {_json_type(value)}; expected an object",
            "parse",
        )
    version = value.get("schema_version", SCHEMA_VERSION)
    # `type(...) is int` rejects True and 1.0, which would otherwise compare equal to 1.
    if type(version) is not int or version != SCHEMA_VERSION:
        # The value itself is not echoed: a sender can put anything there, a card number included.
        raise EnvelopeError(
            DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION,
            f"unsupported schema_version ({_json_type(version)}); only {SCHEMA_VERSION} is supported",
            "validate",
        )
    try:
        return Request.model_validate(value)
    except ValidationError as exc:
        raise _validation_error(exc) from None


def dead_letter_record(
    raw: bytes,
    key: bytes | None,
    error: EnvelopeError | Exception,
    source: SourcePosition,
    *,
    stage: DeadLetterStage = "classify",
) -> DeadLetterRecord:
    """Wrap a failed input for the dead-letter topic.

    For an :class:`EnvelopeError` the reason, detail and stage come from the error. Any other
    exception becomes PROCESSING_ERROR at ``stage`` with only the exception's class name as
    detail: arbitrary exception messages (from a tokenizer, say) can quote the input, and the
    detail must never carry content.
    """
    if isinstance(error, EnvelopeError):
        reason, detail, stage = error.reason, error.detail, error.stage
    else:
        reason, detail = DeadLetterReason.PROCESSING_ERROR, type(error).__qualname__
    return DeadLetterRecord(
        reason=reason,
        detail=detail,
        stage=stage,
        source=source,
        original_key_b64=None if key is None else base64.b64encode(key).decode("ascii"),
        original_b64=base64.b64encode(raw).decode("ascii"),
    )


def _too_deep(max_depth: int) -> EnvelopeError:
    return EnvelopeError(DeadLetterReason.TOO_DEEP, f"JSON nesting is deeper than {max_depth}", "parse")


def _deeper_than(value: Any, max_depth: int) -> bool:
    """Whether parsed JSON nests deeper than ``max_depth`` (top-level container = depth 1).

    Iterative, so hostile input cannot cause a RecursionError; it stops at the first
    container past the limit.
    """
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def _max_bracket_depth(text: str) -> int:
    """Deepest bracket nesting in (possibly invalid) JSON text, ignoring brackets in strings."""
    brackets = _BRACKETS.findall(_JSON_STRING.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def _json_type(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case _:
            return "an object"


def _validation_error(exc: ValidationError) -> EnvelopeError:
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    reason = (
        DeadLetterReason.EMPTY_TEXT
        if any(e["type"] == "empty_text" for e in errors)
        else DeadLetterReason.SCHEMA_VIOLATION
    )
    lines = [f"{_format_loc(e['loc'])}: {e['msg']}" for e in errors[:_MAX_LISTED_ERRORS]]
    if len(errors) > _MAX_LISTED_ERRORS:
        lines.append(f"... and {len(errors) - _MAX_LISTED_ERRORS} more errors")
    return EnvelopeError(reason, "; ".join(lines), "validate")


def _format_loc(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "(root)"
    return ".".join(str(p) if isinstance(p, int) or p in _SAFE_LOC_PARTS else "<key>" for p in loc)
