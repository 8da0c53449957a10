"""``guardstream audit diff``: where the shadow policy or challenger model would have decided otherwise.

Built from audit records only, so it shows counts, tenants, reason codes and request ids, never text.
A difference is a different decision or a different route; the reasons that appear on one side only say why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from guardstream.topics import AuditRecord

EXAMPLES_PER_PAIR = 5
# (decision, route, reasons) of one side of a comparison
Outcome = tuple[str, str | None, Sequence[str]]


@dataclass(slots=True)
class DecisionDiff:
    """Live against shadow (``audit diff``) or recorded against candidate (``replay``), for a table or JSON."""

    records: int = 0
    compared: int = 0  # records with a shadow decision; requests replayed
    differing: int = 0
    pairs: Counter[str] = field(default_factory=Counter)  # "live -> shadow" decisions, differing only
    routes: Counter[str] = field(default_factory=Counter)  # "live -> shadow" routes where the decision agrees
    tenants: Counter[str] = field(default_factory=Counter)
    reasons_added: Counter[str] = field(default_factory=Counter)  # in the shadow's reasons, not in the live ones
    reasons_removed: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    versions: Counter[str] = field(default_factory=Counter)  # shadow policy/model versions seen

    def add(self, record: AuditRecord) -> None:
        """Count one audit record: its live decision against its shadow one, when it has one."""
        self.records += 1
        shadow = record.shadow
        if shadow is None:
            return
        self.compared += 1
        self.versions[f"policy {shadow.policy} / model {shadow.model}"] += 1
        self.compare(
            record.request_id,
            record.tenant,
            (record.decision.value, record.route, record.reasons),
            (shadow.decision.value, shadow.route, shadow.reasons),
        )

    def compare(self, request_id: str | None, tenant: str | None, live: Outcome, candidate: Outcome) -> bool:
        """Count one request's two outcomes; True when they differ (in decision or route)."""
        (live_decision, live_route, live_reasons), (decision, route, reasons) = live, candidate
        if decision == live_decision and route == live_route:
            return False
        self.differing += 1
        if decision == live_decision:
            pair = f"{live_decision} -> {decision} (route {live_route} -> {route})"
            self.routes[f"{live_route} -> {route}"] += 1
        else:
            pair = f"{live_decision} -> {decision}"
        self.pairs[pair] += 1
        self.tenants[tenant or "-"] += 1
        self.reasons_added.update(set(reasons) - set(live_reasons))
        self.reasons_removed.update(set(live_reasons) - set(reasons))
        examples = self.examples.setdefault(pair, [])
        if len(examples) < EXAMPLES_PER_PAIR and request_id:
            examples.append(request_id)
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "compared": self.compared,
            "differing": self.differing,
            "differing_rate": round(self.differing / self.compared, 6) if self.compared else 0.0,
            "by_decision": dict(self.pairs.most_common()),
            "by_route": dict(self.routes.most_common()),
            "by_tenant": dict(self.tenants.most_common()),
            "reasons_added": dict(self.reasons_added.most_common()),
            "reasons_removed": dict(self.reasons_removed.most_common()),
            "examples": self.examples,
            "shadow_versions": dict(self.versions.most_common()),
        }


def diff_records(records: Iterable[AuditRecord]) -> DecisionDiff:
    diff = DecisionDiff()
    for record in records:
        diff.add(record)
    return diff


def print_diff(console: Console, diff: DecisionDiff) -> None:
    if not diff.compared:
        console.print(
            f"{diff.records} audit records, none with a shadow decision: set GUARDSTREAM_SHADOW_POLICY"
            " and/or GUARDSTREAM_SHADOW_MODEL_DIR on the workers",
            highlight=False,
        )
        return
    rate = diff.differing / diff.compared
    console.print(
        f"{diff.compared} of {diff.records} records have a shadow decision; {diff.differing} differ ({rate:.1%})",
        highlight=False,
    )
    for version, count in diff.versions.most_common():
        console.print(f"  shadow {version}: {count}", highlight=False)
    if not diff.differing:
        return
    table = Table("live -> shadow", "count", "example request ids", title="where they differ")
    for pair, count in diff.pairs.most_common():
        table.add_row(pair, str(count), ", ".join(diff.examples.get(pair, [])))
    console.print(table)
    for title, counter in (
        ("by tenant", diff.tenants),
        ("reasons only the shadow gives", diff.reasons_added),
        ("reasons only live gives", diff.reasons_removed),
    ):
        if counter:
            console.print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common(10)), highlight=False)
