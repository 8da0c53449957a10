"""JSONL request lines, as ``produce`` sends them and ``classify --file`` reads them.

One line is either a full ``Request`` envelope (``id``, ``tenant``, ``text`` or ``messages``...) or a
short form that names only some of its fields (``{"text": ...}``, ``{"messages": [...]}``): a missing
``tenant`` takes the command's default and a missing ``id`` is minted. Both commands use this one
reader, so ``classify`` accepts exactly what ``produce`` can send to the worker.
"""

from __future__ import annotations

import orjson
from pydantic import ValidationError

from guardstream.topics import Request

_ENVELOPE_FIELDS = set(Request.model_fields)
# What a line can fail with; each names the problem without echoing the content.
LINE_ERRORS = (orjson.JSONDecodeError, ValidationError, ValueError, TypeError)


def request_from_line(line: bytes | str, default_tenant: str) -> Request:
    """Parse one JSONL line into a validated ``Request`` (raises one of ``LINE_ERRORS``)."""
    row = orjson.loads(line)
    if not isinstance(row, dict):
        raise ValueError("each line must be a JSON object")
    fields = {k: v for k, v in row.items() if k in _ENVELOPE_FIELDS}
    fields.setdefault("tenant", default_tenant)
    if "id" not in fields:
        return Request.new(**fields)
    return Request.model_validate(fields)


def describe_line_error(error: Exception) -> str:
    """A one-line reason for a rejected line that never quotes the line's content."""
    if isinstance(error, ValidationError):
        problems = sorted({f"{'.'.join(map(str, e['loc'])) or 'envelope'}: {e['type']}" for e in error.errors()})
        return "invalid request (" + "; ".join(problems) + ")"
    if isinstance(error, orjson.JSONDecodeError):
        return "not valid JSON"
    return f"invalid request ({type(error).__name__})"
