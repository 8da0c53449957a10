"""Two model bundles on the same machine in the same run: model-only throughput, interleaved, and the ratio.

    python -m bench.compare_bundles --baseline-rev REV   # shipped bundle vs the one committed at REV
    python -m bench.compare_bundles --baseline DIR --candidate DIR2

Why: "the new bundle is as fast as the one it replaces" must not rest on two ``bench.run`` reports made hours
apart on a shared host. The host alone moves model-only throughput by ~25% (the same v0.2 bundle, all tasks /
short mix / 2 threads: 2,227 msgs/s in its committed report, 1,520-2,340 within one later session). Rounds
alternate baseline and candidate, so slow drift hits both; the ratio is the median of per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

from bench import model_only
from bench.workload import short_mix
from guardstream.classifiers.guard import Guard

SHIPPED = Path("classifiers/models/guard-multitask")


@dataclass
class Comparison:
    task: str
    threads: int
    baseline_msgs_per_s: list[float] = field(default_factory=list)
    candidate_msgs_per_s: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Median over rounds of candidate / baseline (each pair measured back to back)."""
        pairs = zip(self.candidate_msgs_per_s, self.baseline_msgs_per_s, strict=True)
        return statistics.median(c / b for c, b in pairs)


def bundle_from_git(rev: str, dest: Path, bundle: Path = SHIPPED) -> Path:
    """Write the bundle as committed at ``rev`` (its manifest's files) into ``dest``: no checkout needed."""

    def show(name: str) -> bytes:
        spec = f"{rev}:{bundle.as_posix()}/{name}"
        return subprocess.run(["git", "show", spec], check=True, capture_output=True).stdout

    dest.mkdir(parents=True, exist_ok=True)
    manifest = show("manifest.json")
    (dest / "manifest.json").write_bytes(manifest)
    for name in json.loads(manifest)["files"]:
        (dest / name).write_bytes(show(name))
    return dest


class MeasureOptions(TypedDict, total=False):
    """How :func:`compare_guards` measures: tasks, thread counts, rounds, seconds per measurement, messages."""

    tasks: Sequence[str]
    threads: Sequence[int]
    rounds: int
    seconds: float
    messages: int


def compare(baseline: Path, candidate: Path, **options: Unpack[MeasureOptions]) -> list[Comparison]:
    """Model-only msgs/s of both bundles on the short mix, alternating A, B in every round."""
    return compare_guards(
        lambda n: Guard.load(baseline, intra_op_threads=n),
        lambda n: Guard.load(candidate, intra_op_threads=n),
        **options,
    )


def compare_guards(
    load_baseline: Callable[[int], Guard],
    load_candidate: Callable[[int], Guard],
    *,
    tasks: Sequence[str] = ("intent", "all"),
    threads: Sequence[int] = (1, 2),
    rounds: int = 3,
    seconds: float = 4.0,
    messages: int = 512,
) -> list[Comparison]:
    """Model-only msgs/s of two guards (each loaded for a thread count), alternating A, B in every round."""
    texts = [r.text for r in short_mix(messages)]
    out: list[Comparison] = []
    for n in threads:
        guards = {"baseline": load_baseline(n), "candidate": load_candidate(n)}
        rows = {task: Comparison(task, n) for task in tasks}
        for r in range(rounds):
            # Swap the order every round so neither guard always runs second (warmer caches, later drift).
            order = ("baseline", "candidate") if r % 2 == 0 else ("candidate", "baseline")
            for task in tasks:
                for who in order:
                    res = model_only.measure(
                        guards[who], task, texts, mix="short", threads=n, batch_size=128, min_seconds=seconds
                    )
                    getattr(rows[task], f"{who}_msgs_per_s").append(res.msgs_per_s)
        out.extend(rows.values())
    return out


def report(rows: list[Comparison], baseline: str, candidate: str) -> str:
    lines = [
        f"baseline {baseline} vs candidate {candidate} (short mix, batches of 128; msgs/s per round)",
        "",
        "| task | threads | baseline msgs/s | candidate msgs/s | candidate / baseline (median) |",
        "|---|---|---|---|---:|",
    ]
    for c in rows:
        b = ", ".join(f"{x:.0f}" for x in c.baseline_msgs_per_s)
        k = ", ".join(f"{x:.0f}" for x in c.candidate_msgs_per_s)
        lines.append(f"| {c.task} | {c.threads} | {b} | {k} | {c.ratio:.3f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--baseline", type=Path, help="baseline bundle directory")
    src.add_argument("--baseline-rev", help="git revision whose committed shipped bundle is the baseline")
    p.add_argument("--candidate", type=Path, default=SHIPPED)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=4.0, help="per task, bundle and round")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--tasks", default="intent,all")
    p.add_argument("--out", type=Path, default=None, help="also write the rows as JSON here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = args.baseline or bundle_from_git(args.baseline_rev, Path(tmp) / "baseline")
        rows = compare(
            baseline,
            args.candidate,
            tasks=args.tasks.split(","),
            threads=[int(t) for t in args.threads.split(",")],
            rounds=args.rounds,
            seconds=args.seconds,
        )
    label = args.baseline_rev or str(args.baseline)
    print(report(rows, label, str(args.candidate)), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        data = [{**c.__dict__, "ratio": c.ratio} for c in rows]
        args.out.write_text(json.dumps({"baseline": label, "candidate": str(args.candidate), "rows": data}, indent=2))


if __name__ == "__main__":
    main()
