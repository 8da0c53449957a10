"""``guardstream peek <topic|role>``: see what is on any guardstream topic, e.g. what the LLM receives.

Roles: ``requests``, a route name (``general``, ``llm.general``), ``blocked``, ``escalation``,
``dead-letter``, ``audit``, or a full topic name. Worker, blocked and escalation topics hold redacted
content only, so their text is shown; the requests topic holds raw content, so only ids, tenants and
lengths are shown; dead-letter records are summaries (reason, stage, source) and their originals appear
only with ``--show-original`` and the dead-letter key. Reads like the audit reader: no consumer group,
nothing committed.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import AsyncIterator
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape

from guardstream.pipeline.config import Settings
from guardstream.pipeline.dead_letter import open_original
from guardstream.pipeline.errors import ConfigError
from guardstream.topics import AuditReader, DeadLetterRecord, TopicCatalogue, TopicRole, TopicSpec, decode

_TEXT_WIDTH = 48


def resolve(catalogue: TopicCatalogue, name: str) -> TopicSpec:
    """The topic a role, route or full name stands for; unknown names list the choices."""
    specs = {spec.name: spec for spec in catalogue.all()}
    prefix = catalogue.requests.name.rsplit(".", 1)[0]
    for candidate in (name, f"{prefix}.{name}", f"{prefix}.llm.{name}"):
        if candidate in specs:
            return specs[candidate]
    roles = ", ".join(["requests", *(s.route for s in catalogue.route_specs if s.route), "blocked", "escalation"])
    raise ConfigError(f"no guardstream topic {name!r}: give a role or route ({roles}, dead-letter, audit)")


async def _records(
    settings: Settings, topic: str, *, from_beginning: bool, idle_s: float | None
) -> AsyncIterator[dict[str, Any]]:
    reader = AuditReader(
        topic=topic, from_beginning=from_beginning, idle_timeout_s=idle_s, **settings.kafka.client_kwargs()
    )
    async for message in reader.messages():
        try:
            body = orjson.loads(message.value or b"")
        except orjson.JSONDecodeError:
            body = {"undecodable_bytes": len(message.value or b"")}
        if not isinstance(body, dict):
            body = {"value": body}
        yield {"partition": message.partition, "offset": message.offset, **body}


def shown(spec: TopicSpec, record: dict[str, Any], settings: Settings, *, show_original: bool) -> dict[str, Any]:
    """The record as peek shows it: raw request text and dead-letter originals held back."""
    if spec.role is TopicRole.REQUESTS:
        text = record.pop("text", None)
        messages = record.pop("messages", None)
        record["content_chars"] = len(text or "") + sum(len(m.get("content", "")) for m in messages or [])
        record.pop("metadata", None)
    elif spec.role is TopicRole.DEAD_LETTER:
        original = record.pop("original_b64", None)
        if show_original and original is not None:
            fields = {k: v for k, v in record.items() if k not in ("partition", "offset")}
            dead = decode(DeadLetterRecord, orjson.dumps({**fields, "original_b64": original}))
            opened = open_original(dead, settings.dead_letter.encryption_key)
            record["original_b64"] = base64.b64encode(opened).decode("ascii")
    return record


def _line(spec: TopicSpec, record: dict[str, Any]) -> str:
    where = f"{record['partition']}:{record['offset']}"
    if spec.role is TopicRole.DEAD_LETTER:
        source = record.get("source") or {}
        source_at = f"{source.get('partition')}:{source.get('offset')}"
        return f"{where} {record.get('reason')} at {record.get('stage')} (input {source_at})"
    if spec.role is TopicRole.AUDIT:
        reasons = ",".join(record.get("reasons") or []) or "-"
        route = record.get("route") or "-"
        return f"{where} {record.get('request_id') or '-'} {record.get('decision')} {route} {reasons}"
    text = record.get("text")
    if text is None and record.get("messages"):
        text = " | ".join(f"{m['role']}: {m['content']}" for m in record["messages"])
    if spec.role is TopicRole.REQUESTS:
        text = f"<{record.get('content_chars')} chars>"
    head = f"{where} {record.get('id', '-')} {record.get('tenant') or '-'} {record.get('decision', '')}".rstrip()
    body = " ".join(str(text or "").split())
    if len(body) > _TEXT_WIDTH:
        body = body[: _TEXT_WIDTH - 1] + "…"
    return f"{head} {body}"


async def peek(
    settings: Settings,
    console: Console,
    name: str,
    *,
    follow: bool,
    as_json: bool,
    from_beginning: bool,
    idle_s: float,
    limit: int | None,
    show_original: bool,
) -> int:
    from guardstream.pipeline.policy import Policy
    from guardstream.pipeline.runtime import build_catalogue

    spec = resolve(build_catalogue(settings, Policy.load(settings.policy_path)), name)
    if show_original and spec.role is not TopicRole.DEAD_LETTER:
        raise ConfigError("--show-original applies to the dead-letter topic only")
    count = 0
    start_at_beginning = from_beginning or not follow
    idle = None if follow else idle_s
    async for record in _records(settings, spec.name, from_beginning=start_at_beginning, idle_s=idle):
        record = shown(spec, record, settings, show_original=show_original)
        if as_json:
            sys.stdout.buffer.write(orjson.dumps(record) + b"\n")
            sys.stdout.flush()
        else:
            console.print(escape(_line(spec, record)), highlight=False, soft_wrap=True)
        count += 1
        if limit is not None and count >= limit:
            break
    if not as_json:
        console.print(f"[dim]{count} records on {spec.name}[/]", highlight=False)
    return count
