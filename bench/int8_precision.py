"""What exact int8 arithmetic costs: the shipped bundle with and without ``session.x64quantprecision``.

    python -m bench.int8_precision [--rounds 5] [--seconds 4]

Why: ``classifiers.inference.session_options`` asks ORT for exact u8u8 int8 kernels on x86 CPUs without VNNI,
because the faster u8s8 ones saturate there and changed the bundle's decisions. On VNNI CPUs the option is a
no-op and the ratio should read ~1.0; on AVX2-only CPUs it is the throughput price of the right answers. Both
guards run interleaved in one process (``bench.compare_bundles.compare_guards``), so host drift hits both.
The header names the CPU's int8 instruction sets, without which the ratio cannot be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.compare_bundles import SHIPPED, compare_guards, report
from guardstream.classifiers.guard import Guard
from guardstream.classifiers.inference import GuardModel
from guardstream.classifiers.pii import RecognizerRegistry

INT8_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")


def cpu_int8_flags() -> list[str]:
    """The x86 flags that decide which int8 GEMM kernel ORT picks (empty off Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return [f for f in INT8_FLAGS if f in flags]


def _guard(bundle: Path, threads: int, *, exact_int8: bool) -> Guard:
    return Guard(GuardModel.load(bundle, intra_op_threads=threads, exact_int8=exact_int8), RecognizerRegistry.default())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bundle", type=Path, default=SHIPPED)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=4.0, help="per task, variant and round")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--tasks", default="intent,all")
    args = p.parse_args(argv)
    rows = compare_guards(
        lambda n: _guard(args.bundle, n, exact_int8=False),
        lambda n: _guard(args.bundle, n, exact_int8=True),
        tasks=args.tasks.split(","),
        threads=[int(t) for t in args.threads.split(",")],
        rounds=args.rounds,
        seconds=args.seconds,
    )
    print(f"CPU int8 flags: {', '.join(cpu_int8_flags()) or 'none found'}")
    print(report(rows, "saturating u8s8 kernels (exact_int8=False)", "exact int8 (shipped default)"), flush=True)


if __name__ == "__main__":
    main()
