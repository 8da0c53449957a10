"""Where the added latency at half load goes: batch size and window against p99 and throughput, in one run.

``python -m bench.latency_tuning [--messages N] [--seconds S]``: for each worker configuration (batch size,
batch window), on a fresh embedded broker each time, the sustained throughput on a 20,000-request backlog
(1 worker x 2 threads), then the added latency (produce timestamp to output timestamp) with requests paced
at 50% of the *default* configuration's throughput measured first in the same run. Prints one row each.

Why these knobs: a request that arrives just after a batch was taken waits for that batch and then for its
own, so p99 is about two batch times plus the window; a batch of 128 on 2 cores takes ~100 ms of guard work.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import e2e
from guardstream.pipeline.broker import EmbeddedBroker

CONFIGS: tuple[tuple[int, int], ...] = ((128, 20), (64, 10), (32, 5), (16, 5))


def measure(batch: int, window_ms: int, *, messages: int, seconds: float, rate: float | None) -> dict:
    env = {"GUARDSTREAM_BATCH_SIZE": str(batch), "GUARDSTREAM_BATCH_WINDOW_MS": str(window_ms)}
    with EmbeddedBroker() as broker:
        thr = e2e.throughput(
            broker, messages=messages, workers=1, threads=2, partitions=4, tag=f"b{batch}", extra_env=env
        )
    target = rate if rate is not None else thr["msgs_per_s"]
    with EmbeddedBroker() as broker:
        (point,) = e2e.latency(
            broker, fractions=(0.5,), max_rate=target, seconds=seconds, threads=2, partitions=4, extra_env=env
        )
    return {"batch_size": batch, "window_ms": window_ms, "msgs_per_s": thr["msgs_per_s"], **point}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=None, help="Also write the rows as JSON here.")
    args = parser.parse_args(argv)
    rows = []
    rate = None
    for batch, window in CONFIGS:
        row = measure(batch, window, messages=args.messages, seconds=args.seconds, rate=rate)
        if rate is None:
            rate = row["msgs_per_s"]  # half of the default's throughput is the load for every configuration
        rows.append(row)
        print(
            f"batch {batch:>3} window {window:>2} ms: {row['msgs_per_s']:>5.0f} msgs/s"
            f" ({row['msgs_per_s'] / rows[0]['msgs_per_s']:.3f}x); at {row['target_msgs_per_s']:.0f} msgs/s"
            f" p50 {row['p50_ms']:.0f} p95 {row['p95_ms']:.0f} p99 {row['p99_ms']:.0f} max {row['max_ms']:.0f} ms;"
            f" worker {row['worker_cpu_cores']:.2f} broker {row['broker_cpu_cores']:.2f} cores",
            flush=True,
        )
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
