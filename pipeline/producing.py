"""``guardstream produce``: JSONL lines to the requests topic, validated against the envelope."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from guardstream.pipeline.config import Settings
from guardstream.pipeline.request_lines import LINE_ERRORS, request_from_line
from guardstream.topics import Request, RequestProducer, TopicCatalogue

_CHUNK = 500  # lines validated and sent (pipelined) at a time


async def produce_file(
    settings: Settings, path: Path, *, default_tenant: str, raw: bool, console: Console, ids: TextIO | None = None
) -> tuple[int, int]:
    """Send each line; invalid lines are reported by line number (never by content) and skipped.

    ``ids`` gets ``<line number>\t<request id>`` for every request sent (after the broker acknowledged its
    chunk), so audit records and worker outputs can be matched to the input lines; ``--raw`` lines have no
    parsed id (``-``).

    The input is streamed: lines are validated and sent ``_CHUNK`` at a time, so memory stays bounded by one
    chunk whatever the input's size (a pipe's lines go out once a chunk fills or the pipe closes). Progress
    shows the requests sent and, for a file, the share of its bytes read.
    """
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).requests.name
    sent = rejected = 0
    stdin = str(path) == "-"
    source: BinaryIO = sys.stdin.buffer if stdin else path.open("rb")
    try:
        async with RequestProducer(topic=topic, **settings.kafka.client_kwargs()) as producer:
            columns = (
                TextColumn("producing"),
                BarColumn(),
                TextColumn("{task.fields[sent]} sent"),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task("produce", total=None if stdin else path.stat().st_size, sent=0)
                requests: list[Request] = []
                payloads: list[bytes] = []
                numbers: list[int] = []
                for number, line in enumerate(source, 1):
                    progress.advance(task, 0 if stdin else len(line))
                    line = line.rstrip(b"\r\n")
                    if not line.strip():
                        continue
                    if raw:
                        payloads.append(line)
                        numbers.append(number)
                    else:
                        try:
                            requests.append(request_from_line(line, default_tenant))
                            numbers.append(number)
                        except LINE_ERRORS as error:
                            console.print(f"line {number}: invalid request ({type(error).__name__})")
                            rejected += 1
                    if len(payloads) + len(requests) >= _CHUNK:
                        sent += await _send(producer, requests, payloads, numbers, ids)
                        progress.update(task, sent=sent)
                sent += await _send(producer, requests, payloads, numbers, ids)
    finally:
        if not stdin:
            source.close()
    return sent, rejected


async def _send(
    producer: RequestProducer,
    requests: list[Request],
    payloads: list[bytes],
    numbers: list[int],
    ids: TextIO | None,
) -> int:
    """Send and clear one chunk (pipelined: every record is enqueued before any delivery is awaited)."""
    sent = await producer.send_raw_many(payloads) if payloads else 0
    sent += await producer.send_many(requests) if requests else 0
    if ids is not None:
        names = [r.id for r in requests] if requests else ["-"] * len(payloads)
        ids.writelines(f"{number}\t{name}\n" for number, name in zip(numbers, names, strict=True))
        ids.flush()
    payloads.clear()
    requests.clear()
    numbers.clear()
    return sent
