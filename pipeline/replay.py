"""``guardstream replay``: what a candidate policy and/or model bundle would change, on recorded traffic.

A backtest, offline: requests come from a JSONL file (as ``produce`` takes them) or from the requests
topic (optionally a time range of it); each is decided by the candidate exactly as a worker would
(``pipeline.decision.judge``), and compared with what was recorded for it on the audit topic. A request
the audit trail does not know (a file that was never sent, or ``--baseline live``) is compared with
the live configuration run offline instead; the report says how many were compared which way.
Only ids, counts and reason codes are printed, never text; ``--json`` gives the numbers to a CI gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from guardstream.pipeline.audit_diff import DecisionDiff, Outcome
from guardstream.pipeline.config import Settings
from guardstream.pipeline.decision import content_of, judge
from guardstream.pipeline.runtime import build_candidate, build_processor
from guardstream.topics import AuditReader, EnvelopeError, Request, TopicCatalogue, parse_request

Baseline = Literal["audit", "live"]
_BATCH = 64


@dataclass(slots=True)
class ReplayReport:
    diff: DecisionDiff
    candidate_policy: str
    candidate_model: str
    against_audit: int = 0
    against_live: int = 0
    unreadable: int = 0  # topic records that are not valid requests (they went to the dead-letter topic)

    def to_json(self) -> dict[str, Any]:
        """The diff's summary, named for a backtest: requests replayed, how many would change."""
        diff = self.diff.to_json()
        for key in ("records", "compared", "shadow_versions"):
            diff.pop(key)
        return {
            "requests": self.diff.compared,
            "compared_with": {"audit": self.against_audit, "live_offline": self.against_live},
            "unreadable_records": self.unreadable,
            "candidate": {"policy": self.candidate_policy, "model": self.candidate_model},
            "changed": diff.pop("differing"),
            "changed_rate": diff.pop("differing_rate"),
            **diff,
        }


def replay(
    settings: Settings,
    requests: Sequence[Request],
    *,
    policy_path: Path | None,
    model_dir: Path | None,
    recorded: dict[str, Outcome],
    unreadable: int = 0,
) -> ReplayReport:
    """Decide ``requests`` with the candidate and compare each with its recorded (else live offline) outcome."""
    live = build_processor(settings.model_copy(update={"shadow_policy_path": None, "shadow_model_dir": None}))
    candidate = build_candidate(settings, live.guard, policy_path, model_dir)  # what a shadow would run
    report = ReplayReport(DecisionDiff(), candidate.policy.version, candidate.model_version, unreadable=unreadable)
    for start in range(0, len(requests), _BATCH):
        chunk = requests[start : start + _BATCH]
        live_verdicts = live.classify_requests(chunk)
        verdicts = candidate.verdicts([content_of(r) for r in chunk], live_verdicts)
        for request, live_verdict, verdict in zip(chunk, live_verdicts, verdicts, strict=True):
            outcome = candidate.decide(request, verdict)
            if outcome is None or isinstance(live_verdict, Exception):
                continue  # a request the live or the candidate model could not score
            baseline = recorded.get(request.id)
            if baseline is None:
                judged = judge(request, live_verdict, live.policy)
                baseline = (judged.decision.value, judged.route, judged.reasons)
                report.against_live += 1
            else:
                report.against_audit += 1
            report.diff.compared += 1
            report.diff.records += 1
            report.diff.compare(
                request.id, request.tenant, baseline, (outcome.decision.value, outcome.route, outcome.reasons)
            )
    return report


async def recorded_outcomes(settings: Settings, *, idle_s: float) -> dict[str, Outcome]:
    """request id → (decision, route, reasons) from the audit topic (the last record of an id wins)."""
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).audit.name
    reader = AuditReader(topic=topic, idle_timeout_s=idle_s, **settings.kafka.client_kwargs())
    recorded: dict[str, Outcome] = {}
    async for record in reader:
        if record.request_id is not None:
            recorded[record.request_id] = (record.decision.value, record.route, tuple(record.reasons))
    return recorded


async def requests_from_topic(
    settings: Settings, *, since: datetime | None, until: datetime | None, idle_s: float
) -> tuple[list[Request], int]:
    """Valid requests on the requests topic (in a time range, by record timestamp) and the unreadable count."""
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).requests.name
    reader = AuditReader(topic=topic, idle_timeout_s=idle_s, **settings.kafka.client_kwargs())  # any topic, raw
    low = since.timestamp() * 1000 if since else None
    high = until.timestamp() * 1000 if until else None
    requests: list[Request] = []
    unreadable = 0
    async for message in reader.messages():
        if (low is not None and message.timestamp_ms < low) or (high is not None and message.timestamp_ms > high):
            continue
        try:
            requests.append(parse_request(message.value or b"", max_bytes=settings.limits.max_message_bytes))
        except EnvelopeError:
            unreadable += 1
    return requests, unreadable


def replay_report_lines(summary: dict[str, Any]) -> list[str]:
    """The JSON summary as a few readable lines."""
    compared = summary["compared_with"]
    lines = [
        f"replayed {summary['requests']} requests with policy {summary['candidate']['policy']}"
        f" / model {summary['candidate']['model']}",
        f"compared with the audit trail: {compared['audit']}, with live run offline: {compared['live_offline']}",
        f"would change: {summary['changed']} ({summary['changed_rate']:.1%})",
    ]
    if summary["unreadable_records"]:
        lines.append(f"skipped {summary['unreadable_records']} records that are not valid requests")
    for pair, count in summary["by_decision"].items():
        examples = ", ".join(summary["examples"].get(pair, []))
        lines.append(f"  {pair}: {count}   e.g. {examples}")
    if summary["reasons_added"]:
        added = ", ".join(f"{k} {v}" for k, v in list(summary["reasons_added"].items())[:10])
        lines.append(f"reasons only the candidate gives: {added}")
    return lines
