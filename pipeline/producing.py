"""``guardstream produce``: JSONL lines to the requests topic, validated against the envelope."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.config import Settings
from topics import Request, RequestProducer, TopicCatalogue

_ENVELOPE_FIELDS = set(Request.model_fields)
_CHUNK = 500  # pipelined sends per progress step


def _request_from_line(line: bytes, default_tenant: str) -> Request:
    row = orjson.loads(line)
    if not isinstance(row, dict):
        raise ValueError("each line must be a JSON object")
    fields = {k: v for k, v in row.items() if k in _ENVELOPE_FIELDS}
    fields.setdefault("tenant", default_tenant)
    if "id" not in fields:
        return Request.new(**fields)
    return Request.model_validate(fields)


async def produce_file(
    settings: Settings, path: Path, *, default_tenant: str, raw: bool, console: Console
) -> tuple[int, int]:
    """Send each line; invalid lines are reported by line number (never by content) and skipped."""
    lines = (sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()).splitlines()
    lines = [line for line in lines if line.strip()]
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).requests.name
    requests: list[Request] = []
    payloads: list[bytes] = []
    rejected = 0
    for number, line in enumerate(lines, 1):
        if raw:
            payloads.append(line)
            continue
        try:
            requests.append(_request_from_line(line, default_tenant))
        except (orjson.JSONDecodeError, ValidationError, ValueError, TypeError) as error:
            console.print(f"line {number}: invalid request ({type(error).__name__})")
            rejected += 1
    total = len(payloads) if raw else len(requests)
    async with RequestProducer(topic=topic, **settings.kafka.client_kwargs()) as producer:
        columns = (TextColumn("producing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("produce", total=total)
            for start in range(0, total, _CHUNK):
                if raw:
                    sent = await producer.send_raw_many(payloads[start : start + _CHUNK])
                else:
                    sent = await producer.send_many(requests[start : start + _CHUNK])
                progress.advance(task, sent)
    return total, rejected
