"""``guardstream audit tail``: the audit trail for security and compliance readers."""

from __future__ import annotations

import sys
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from guardstream.pipeline.config import Settings
from guardstream.topics import AuditReader, AuditRecord, TopicCatalogue, encode

_STYLES = {"allow": "green", "redact": "cyan", "block": "bold red", "escalate": "yellow", "dead_letter": "magenta"}


def _row(record: AuditRecord) -> list[str | Text]:
    decision = record.decision.value
    pii = ", ".join(f"{t}×{n}" for t, n in sorted(record.pii.counts.items()))
    return [
        record.processed_at.strftime("%H:%M:%S.%f")[:-3],
        record.request_id or f"{record.source.topic}@{record.source.partition}:{record.source.offset}",
        record.tenant or "-",
        Text(decision, style=_STYLES.get(decision, "")),
        record.route or record.output_topic,
        ", ".join(record.reasons),
        pii,
    ]


async def tail_audit(
    settings: Settings, console: Console, *, follow: bool, as_json: bool, limit: int | None, idle_s: float
) -> int:
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).audit.name
    reader = AuditReader(topic=topic, idle_timeout_s=None if follow else idle_s, **settings.kafka.client_kwargs())
    count = 0
    table = Table("time", "request", "tenant", "decision", "route/topic", "reasons", "pii", title=topic)
    async for record in reader:
        count += 1
        if as_json:
            sys.stdout.buffer.write(encode(record) + b"\n")
            sys.stdout.flush()
        elif follow:
            console.print(*_row(record))
        else:
            table.add_row(*_row(record))
        if limit is not None and count >= limit:
            break
    if not as_json and not follow:
        console.print(table)
    if reader.skipped:
        console.print(f"[yellow]{reader.skipped} undecodable records skipped[/]")
    return count


async def read_records(
    settings: Settings, *, idle_s: float, since: datetime | None = None, until: datetime | None = None
) -> list[AuditRecord]:
    """Every decodable audit record so far, optionally in a time range of ``processed_at``."""
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).audit.name
    reader = AuditReader(topic=topic, idle_timeout_s=idle_s, **settings.kafka.client_kwargs())
    return [
        record
        async for record in reader
        if (since is None or record.processed_at >= since) and (until is None or record.processed_at <= until)
    ]
