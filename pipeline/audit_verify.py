"""``guardstream audit verify``: read the audit topic and check every writer's hash chain.

Exit status: 0 when every chain is intact, 1 when a record was changed, inserted, dropped or reordered
(the first such place is named: partition and offset), 2 when the trail is keyed and no key was given.
The key comes from the settings (``GUARDSTREAM_AUDIT_KEY``) and is never printed.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from guardstream.pipeline.config import Settings
from guardstream.topics import AuditReader, TopicCatalogue
from guardstream.topics.audit_chain import VerifyReport, verify_trail

EXIT_INTACT, EXIT_BROKEN, EXIT_NO_KEY = 0, 1, 2
_SHOWN_FINDINGS = 20


async def verify_audit(settings: Settings, *, idle_s: float) -> VerifyReport:
    """Read the whole audit topic (until it is quiet for ``idle_s``) and verify it."""
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).audit.name
    reader = AuditReader(topic=topic, idle_timeout_s=idle_s, **settings.kafka.client_kwargs())
    messages = [(m.partition, m.offset, m.value) async for m in reader.messages()]
    truncated = frozenset(p for p, first in reader.first_offsets.items() if first > 0)
    key = settings.audit.key.get_secret_value().encode() if settings.audit.key else None
    return verify_trail(messages, key, truncated_partitions=truncated)


def exit_status(report: VerifyReport) -> int:
    if report.intact:
        return EXIT_INTACT
    if all(f.problem == "key_required" for f in report.findings):
        return EXIT_NO_KEY
    return EXIT_BROKEN


def print_report(console: Console, report: VerifyReport) -> None:
    """One summary line; then, when broken, the first place and up to 20 findings (never record content)."""
    summary = (
        f"{report.records} records, {report.chains} chains, {report.keyed} keyed,"
        f" {report.redelivered} re-deliveries (identical, tolerated)"
    )
    if report.intact:
        console.print(f"audit trail intact: {summary}", highlight=False)
        return
    first = report.findings[0]
    where = f"partition {first.partition} offset {first.offset}"
    console.print(f"audit trail BROKEN at {where}: {summary}", highlight=False)
    counts = ", ".join(f"{problem} {n}" for problem, n in sorted(report.counts().items()))
    console.print(f"findings: {counts}", highlight=False)
    for finding in report.findings[:_SHOWN_FINDINGS]:
        console.print(f"  {finding.line()}", highlight=False, markup=False)
    if len(report.findings) > _SHOWN_FINDINGS:
        console.print(f"  … {len(report.findings) - _SHOWN_FINDINGS} more", highlight=False)


def write_metrics(path: Path, report: VerifyReport) -> None:
    """The outcome in Prometheus' textfile format (node exporter's textfile collector picks it up)."""
    from prometheus_client import write_to_textfile

    from guardstream.pipeline.metrics import verification_registry

    write_to_textfile(str(path), verification_registry(report.intact, report.records, report.counts()))
