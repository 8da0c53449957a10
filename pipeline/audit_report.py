"""``guardstream audit report``: one self-contained HTML file a compliance reviewer can open anywhere.

Charts are drawn with matplotlib as inline SVG (text kept as text), so the file needs no network, no
JavaScript and no other files, and can be attached to a ticket or archived with the review. Built from
audit records only: counts, tenants, routes, reason codes and timings, never content.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from guardstream.pipeline.audit_diff import diff_records
from guardstream.topics import AuditRecord

_DECISIONS = ("allow", "redact", "block", "escalate", "dead_letter")
_COLOURS = {
    "allow": "#4c9a5f",
    "redact": "#3b7dd8",
    "block": "#c8433a",
    "escalate": "#e0a526",
    "dead_letter": "#8e5ea2",
}
_TOP = 15


def render_report(records: Sequence[AuditRecord], *, title: str, generated_at: datetime) -> str:
    """The report as one HTML document (a string)."""
    from matplotlib import rcParams

    rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable, selectable
    sections: list[str] = [_summary(records, generated_at)]
    if records:
        sections += [
            _figure("Decisions over time", _decisions_over_time(records)),
            _figure("Escalation and block share over time", _share_over_time(records)),
            _figure("Decisions by tenant", _by_key(records, lambda r: r.tenant or "-")),
            _figure("Decisions by route or topic", _by_key(records, lambda r: r.route or r.output_topic)),
            _figure("Top reasons", _barh(Counter(reason for r in records for reason in r.reasons), "records")),
            _figure("PII types found", _barh(_pii_counts(records), "entities")),
            _figure("Latency added per message (ms)", _latency(records)),
            _shadow_section(records),
        ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}"
    "section{margin:1.5rem 0}h2{font-size:1.1rem;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}"
    "svg{max-width:100%;height:auto}"
)


def _summary(records: Sequence[AuditRecord], generated_at: datetime) -> str:
    decisions = Counter(r.decision.value for r in records)
    rows = [("records", str(len(records))), ("generated", generated_at.isoformat(timespec="seconds"))]
    if records:
        first = min(r.processed_at for r in records)
        last = max(r.processed_at for r in records)
        rows.append(("time range", f"{first.isoformat(timespec='seconds')} … {last.isoformat(timespec='seconds')}"))
    for decision in _DECISIONS:
        count = decisions.get(decision, 0)
        rows.append((f"decision: {decision}", f"{count} ({_share(count, len(records))})"))
    versions = Counter(f"{r.versions.model} · policy {r.versions.policy}" for r in records)
    rows += [(f"versions ({n})", v) for v, n in versions.most_common(5)]
    chains = Counter(r.chain.alg if r.chain else "none" for r in records)
    rows.append(("audit chain links", ", ".join(f"{alg} {n}" for alg, n in chains.most_common())))
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<section id='summary'><h2>Summary</h2><table>{cells}</table></section>"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _figure(title: str, svg: str) -> str:
    anchor = title.lower().replace(" ", "-")
    return f"<section id='{html.escape(anchor)}'><h2>{html.escape(title)}</h2>{svg}</section>"


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prologue and DOCTYPE: inline SVG needs neither


def _new_figure(height: float = 3.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, height))
    return figure, figure.add_subplot()


def _date_axis(axes: Any) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _time_bins(records: Sequence[AuditRecord]) -> tuple[list[datetime], timedelta]:
    first = min(r.processed_at for r in records)
    last = max(r.processed_at for r in records)
    span = max((last - first).total_seconds(), 1.0)
    # about 40 bins, rounded to a readable width
    width = next((w for w in (1, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400) if span / w <= 40), 86400)
    step = timedelta(seconds=width)
    start = first.replace(microsecond=0)
    count = int(span // width) + 1
    return [start + i * step for i in range(count)], step


def _binned(records: Sequence[AuditRecord]) -> tuple[list[datetime], list[Counter[str]]]:
    bins, step = _time_bins(records)
    counts: list[Counter[str]] = [Counter() for _ in bins]
    start = bins[0]
    for record in records:
        index = min(int((record.processed_at - start) / step), len(bins) - 1)
        counts[max(index, 0)][record.decision.value] += 1
    return bins, counts


def _decisions_over_time(records: Sequence[AuditRecord]) -> str:
    bins, counts = _binned(records)
    figure, axes = _new_figure()
    bottom = [0] * len(bins)
    width = (bins[1] - bins[0]) * 0.9 if len(bins) > 1 else timedelta(seconds=0.9)
    for decision in _DECISIONS:
        heights = [c.get(decision, 0) for c in counts]
        if any(heights):
            axes.bar(bins, heights, width=width, bottom=bottom, label=decision, color=_COLOURS[decision], align="edge")
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel("messages")
    axes.legend(loc="upper left", fontsize="small")
    _date_axis(axes)
    return _svg(figure)


def _share_over_time(records: Sequence[AuditRecord]) -> str:
    bins, counts = _binned(records)
    figure, axes = _new_figure(2.6)
    for decision in ("escalate", "block"):
        shares = [c.get(decision, 0) / max(sum(c.values()), 1) for c in counts]
        axes.plot(bins, shares, marker=".", label=f"{decision} share", color=_COLOURS[decision])
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of messages")
    axes.legend(loc="upper left", fontsize="small")
    _date_axis(axes)
    return _svg(figure)


def _by_key(records: Sequence[AuditRecord], key: Any) -> str:
    groups: dict[str, Counter[str]] = {}
    for record in records:
        groups.setdefault(key(record), Counter())[record.decision.value] += 1
    names = [name for name, _ in sorted(groups.items(), key=lambda item: -sum(item[1].values()))][:_TOP]
    figure, axes = _new_figure(max(2.0, 0.35 * len(names) + 1))
    left = [0] * len(names)
    for decision in _DECISIONS:
        widths = [groups[name].get(decision, 0) for name in names]
        if any(widths):
            axes.barh(names, widths, left=left, label=decision, color=_COLOURS[decision])
            left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("messages")
    axes.legend(loc="lower right", fontsize="small")
    return _svg(figure)


def _barh(counter: Counter[str], unit: str) -> str:
    top = counter.most_common(_TOP)
    if not top:
        return "<p>none</p>"
    figure, axes = _new_figure(max(2.0, 0.35 * len(top) + 1))
    axes.barh([name for name, _ in top], [n for _, n in top], color="#5a6f8f")
    axes.invert_yaxis()
    axes.set_xlabel(unit)
    return _svg(figure)


def _pii_counts(records: Sequence[AuditRecord]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in records:
        counts.update(record.pii.counts)
    return counts


def _latency(records: Sequence[AuditRecord]) -> str:
    import numpy as np

    totals = [sum(r.timings_ms.values()) for r in records if r.timings_ms]
    if not totals:
        return "<p>no timings</p>"
    points = {name: float(np.percentile(totals, q)) for name, q in (("p50", 50), ("p90", 90), ("p99", 99))}
    points["max"] = max(totals)
    figure, axes = _new_figure(2.4)
    bars = axes.bar(list(points), list(points.values()), color="#5a6f8f")
    axes.bar_label(bars, labels=[f"{v:.1f}" for v in points.values()], fontsize="small")
    axes.set_ylabel("ms (parse + classify + policy)")
    return _svg(figure)


def _shadow_section(records: Sequence[AuditRecord]) -> str:
    diff = diff_records(records)
    if not diff.compared:
        return _figure("Shadow vs live", "<p>no shadow decisions in this range</p>")
    note = (
        f"<p>{diff.compared} records with a shadow decision; {diff.differing} differ"
        f" ({_share(diff.differing, diff.compared)}).</p>"
    )
    if not diff.differing:
        return _figure("Shadow vs live", note)
    return _figure("Shadow vs live", note + _barh(diff.pairs, "records (live -> shadow)"))
