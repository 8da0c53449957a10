"""bench.json → RESULTS.md + PNG plots. Kept apart from the measuring code so a report can be re-rendered."""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGETS = {
    "e2e_msgs_per_s": 1000.0,
    "e2e_p99_ms_at_half": 150.0,
    "model_all_short_2t": 2000.0,
    "baseline_ratio": 10.0,
    "peak_rss_mib": 1024.0,
}


def _model(result: dict, task: str, mix: str, threads: int, processes: int = 1) -> dict | None:
    """A model-only row; ``processes`` > 1 selects the side-by-side single-threaded processes."""
    return next(
        (
            r
            for r in result["model_only"]
            if r["task"] == task and r["mix"] == mix and r["threads"] == threads and r.get("processes", 1) == processes
        ),
        None,
    )


def _baseline(result: dict, mix: str, threads: int) -> dict | None:
    return next((r for r in result["baseline"] if r["mix"] == mix and r["threads"] == threads), None)


def headline(result: dict) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    e2e = result.get("e2e") or {}
    if e2e:
        one = e2e["throughput"]
        rows.append(
            (
                f"End to end, 1 worker, short mix, {one['messages']:,} requests",
                f"{one['msgs_per_s']:.0f} msgs/s",
                "≥ 1,000",
                one["msgs_per_s"] >= TARGETS["e2e_msgs_per_s"],
            )
        )
        two = e2e["scaling"][1]
        rows.append(
            (
                f"End to end, 2 workers x 1 thread, {two['messages']:,} requests",
                f"{two['msgs_per_s']:.0f} msgs/s",
                "",
                None,
            )
        )
        half = next(p for p in e2e["latency"] if p["fraction_of_max"] == 0.5)
        rows.append(
            (
                f"Added latency p99 at 50% ({half['target_msgs_per_s']:.0f} msgs/s)",
                f"{half['p99_ms']:.0f} ms",
                "≤ 150 ms",
                half["p99_ms"] <= TARGETS["e2e_p99_ms_at_half"],
            )
        )
        peak = max(
            [one["worker_peak_rss_mib"], two["worker_peak_rss_mib"]]
            + [p["worker_peak_rss_mib"] for p in e2e["latency"]]
        )
        rows.append(("Peak worker RSS", f"{peak:.0f} MiB", "≤ 1,024 MiB", peak <= TARGETS["peak_rss_mib"]))
    m = _model(result, "all", "short", 2)
    if m:
        rows.append(
            (
                "Model-only, all three tasks, short mix, 2 threads",
                f"{m['msgs_per_s']:.0f} msgs/s",
                "≥ 2,000",
                m["msgs_per_s"] >= TARGETS["model_all_short_2t"],
            )
        )
        mp2 = _model(result, "all", "short", 2, processes=2)
        if mp2:
            rows.append(
                (
                    "Model-only, all three tasks, short mix, 2 processes x 1 thread",
                    f"{mp2['msgs_per_s']:.0f} msgs/s",
                    "≥ 2,000",
                    mp2["msgs_per_s"] >= TARGETS["model_all_short_2t"],
                )
            )
        b = _baseline(result, "short", 2)
        if b:
            ratio = m["msgs_per_s"] / b["msgs_per_s"]
            rows.append(
                (
                    "… vs transformers pipelines (PyTorch fp32, per message), same run",
                    f"{ratio:.1f}x ({b['msgs_per_s']:.0f} msgs/s)",
                    "≥ 10x",
                    ratio >= TARGETS["baseline_ratio"],
                )
            )
    d = _model(result, "all", "document", 2)
    if d:
        rows.append(
            (
                "2k-char document, all tasks, fully scanned, 2 threads",
                f"{1000 / d['msgs_per_s']:.2f} ms/doc ({d['msgs_per_s']:.0f} docs/s)",
                "reported",
                None,
            )
        )
    for f in result.get("int8_peak", []):
        if f["mix"] == "short" and f["threads"] == 2:
            rows.append(
                (
                    "Model int8 work, short mix, 2 threads, vs VNNI peak",
                    f"{f['int8_gops']:.0f} GOP/s = {f['fraction_of_peak']:.1%} of {f['peak_gops']:.0f}",
                    "reported",
                    None,
                )
            )
    return rows


def plots(result: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    mixes = ["short", "medium", "document"]
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.2
    for k, task in enumerate(("intent", "safety", "pii", "all")):
        vals = [(_model(result, task, mix, 2) or {}).get("msgs_per_s", 0) for mix in mixes]
        ax.bar([i + k * width for i in range(3)], vals, width, label=f"{task} (ours)")
    base = [(_baseline(result, mix, 2) or {}).get("msgs_per_s", 0) for mix in mixes]
    ax.bar([i + 4 * width for i in range(3)], base, width, label="3 transformers pipelines")
    ax.set_xticks([i + 2 * width for i in range(3)], mixes)
    ax.set_yscale("log")
    ax.set_ylabel("messages/s (log), 2 threads")
    ax.set_title("Model-only throughput by length mix")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "model_only.png", dpi=110)
    plt.close(fig)
    names.append("model_only.png")
    e2e = result.get("e2e") or {}
    if e2e.get("latency"):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        pts = e2e["latency"]
        for q in ("p50_ms", "p95_ms", "p99_ms"):
            ax.plot([p["target_msgs_per_s"] for p in pts], [p[q] for p in pts], marker="o", label=q[:3])
        ax.axhline(150, color="grey", ls="--", lw=0.8, label="150 ms")
        ax.set_xlabel("offered load (msgs/s)")
        ax.set_ylabel("added latency (ms)")
        ax.set_title("End-to-end added latency, 1 worker")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "e2e_latency.png", dpi=110)
        plt.close(fig)
        names.append("e2e_latency.png")
    return names


def write_report(result: dict, out: Path, md_path: Path) -> str:
    pngs = plots(result, out)
    mach = result["machine"]
    rel = Path("results") if md_path.parent == out.parent else Path(".")
    lines = [
        "# guardstream benchmark results",
        "",
        f"Command: `python -m bench.run{' --quick' if result['quick'] else ''}` ({result['seconds']:.0f} s); "
        f"machine: {mach['cpu']}, {mach['cores']} cores, AVX-512 VNNI {'yes' if mach['avx512_vnni'] else 'no'}, "
        f"{mach['platform']}, Python {mach['python']}, onnxruntime {mach['onnxruntime']}, commit {mach['commit']}; "
        f"load average at start {mach['load_avg_at_start']:.2f}.",
        *([f"Conditions: {result['note']}"] if result.get("note") else []),
        "",
        "| result | value | target (issue 4) | met |",
        "|---|---|---|---|",
    ]
    for name, value, target, ok in headline(result):
        lines.append(f"| {name} | {value} | {target} | {'' if ok is None else ('yes' if ok else 'NO')} |")
    lines += [
        "",
        "## Model only (no Kafka)",
        "",
        "Batches of 128 as the worker forms them. One encoder pass serves all three tasks; the task rows differ "
        "in what runs around it (safety adds the evasion variants, PII the pattern recognizers, all = "
        "`Guard.classify`). Tokens per message include padding within a length-sorted batch.",
        "",
        "| task | mix | threads | msgs/s | p50 / p99 per batch (ms) | tokens/msg |",
        "|---|---|---|---:|---|---:|",
    ]
    for r in result["model_only"]:
        if r.get("processes", 1) > 1:
            continue
        lines.append(
            f"| {r['task']} | {r['mix']} | {r['threads']} | {r['msgs_per_s']:.0f} | "
            f"{r['p50_batch_ms']:.1f} / {r['p99_batch_ms']:.1f} | {r['tokens_per_msg']:.1f} |"
        )
    multi = [r for r in result["model_only"] if r.get("processes", 1) > 1]
    if multi:
        lines += [
            "",
            "Side by side, one single-threaded guard per process (as `deploy/` runs one worker per core):",
            "",
            "| task | mix | processes x threads | msgs/s | vs 1 process x 2 threads |",
            "|---|---|---|---:|---:|",
        ]
        for r in multi:
            one = _model(result, r["task"], r["mix"], r["threads"])
            ratio = f"{r['msgs_per_s'] / one['msgs_per_s']:.2f}x" if one else ""
            lines.append(f"| {r['task']} | {r['mix']} | {r['processes']} x 1 | {r['msgs_per_s']:.0f} | {ratio} |")
    if result["baseline"]:
        lines += [
            "",
            "## Baseline: one transformers pipeline per task, PyTorch fp32, one message at a time",
            "",
            "Same architecture as our student (MiniLM layers 0, 2, 4); see `bench/baseline.py`.",
            "",
            "| mix | threads | baseline msgs/s | p50 / p99 per msg (ms) | ours (all) msgs/s | ratio |",
            "|---|---|---:|---|---:|---:|",
        ]
        for b in result["baseline"]:
            ours = _model(result, "all", b["mix"], b["threads"])
            ratio = ours["msgs_per_s"] / b["msgs_per_s"] if ours else float("nan")
            lines.append(
                f"| {b['mix']} | {b['threads']} | {b['msgs_per_s']:.1f} | {b['p50_ms']:.1f} / {b['p99_ms']:.1f} | "
                f"{ours['msgs_per_s'] if ours else 0:.0f} | {ratio:.1f}x |"
            )
    if result.get("int8_peak"):
        lines += [
            "",
            "## How far from the int8 peak",
            "",
            "Weight MatMul work (2 ops per int8 multiply-add, 3 layers, hidden 384, FFN 1536: "
            "10.6 MOP per token) per second of the bare encoder pass, over 980 GOP/s per core.",
            "",
            "| mix | threads | tokens/msg | int8 GOP/s | fraction of peak |",
            "|---|---|---:|---:|---:|",
        ]
        for f in result["int8_peak"]:
            lines.append(
                f"| {f['mix']} | {f['threads']} | {f['tokens_per_msg']:.1f} | {f['int8_gops']:.0f} | "
                f"{f['fraction_of_peak']:.1%} |"
            )
    e2e = result.get("e2e") or {}
    if e2e:
        lines += [
            "",
            "## End to end (embedded Tansu broker, 4 partitions, short mix, all three tasks on)",
            "",
            "| run | requests | msgs/s | worker CPU (cores) | peak RSS (MiB) | committed offsets |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for s in e2e["scaling"]:
            lines.append(
                f"| {s['workers']} worker(s) x {s['threads_per_worker']} thread(s) | {s['messages']:,} | "
                f"{s['msgs_per_s']:.0f} | {s['worker_cpu_cores']:.2f} | {s['worker_peak_rss_mib']:.0f} | "
                f"{s['committed_offsets']:,} |"
            )
        lines += [
            "",
            "CPU in cores (of 2) while each point ran: the worker, the embedded broker, and the load generator "
            "(producer + output reader, one Python process).",
            "",
            "| offered load | msgs/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | worker CPU | broker CPU | "
            "load-gen CPU |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        nan = float("nan")
        for p in e2e["latency"]:
            lines.append(
                f"| {p['fraction_of_max']:.0%} of max | {p['target_msgs_per_s']:.0f} | {p['p50_ms']:.0f} | "
                f"{p['p95_ms']:.0f} | {p['p99_ms']:.0f} | {p['max_ms']:.0f} | {p['worker_cpu_cores']:.2f} | "
                f"{p.get('broker_cpu_cores', nan):.2f} | {p.get('load_generator_cpu_cores', nan):.2f} |"
            )
    lines += ["", *[f"![{p}]({rel / p})" for p in pngs], ""]
    md = "\n".join(lines)
    md_path.write_text(md)
    return md


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "bench.json"
    print(write_report(json.loads(src.read_text()), src.parent, Path(__file__).parent / "RESULTS.md"))
