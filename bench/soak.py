"""Soak: run a worker for a long time at half its measured capacity; RSS and lag must stay flat.

    python -m bench.soak --minutes 10

1. capacity: produce a backlog of short requests and time how fast one worker drains it;
2. soak: produce at 50% of that rate for ``--minutes`` while sampling the worker's RSS and
   the lag (requests produced minus audit records written) every 10 s;
3. write ``bench/results/soak.json`` and ``bench/SOAK.md`` with the samples, the RSS slope
   over the second half, and the lag trend.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer

from bench.e2e import Tail
from bench.workload import short_mix
from guardstream.pipeline.admin import ensure_topics
from guardstream.pipeline.broker import EmbeddedBroker
from guardstream.pipeline.config import load_settings
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.runtime import build_catalogue
from guardstream.topics import TopicCatalogue, encode

RESULTS = Path(__file__).parent / "results"
PARTITIONS = 4


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure_capacity(bootstrap: str, catalogue: TopicCatalogue, n: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    async with Tail(bootstrap, [catalogue.audit.name], PARTITIONS) as audits:
        # warm-up: model load, group join, first batches
        for r in short_mix(500, seed=1, prefix="w"):
            await producer.send(catalogue.requests.name, encode(r), key=r.key())
        await producer.flush()
        while audits.count < 500:
            await asyncio.sleep(0.1)
        requests = short_mix(n, seed=2, prefix="c")
        for r in requests:
            await producer.send(catalogue.requests.name, encode(r), key=r.key())
        await producer.flush()
        start, start_count = time.monotonic(), audits.count
        while audits.count < 500 + n:
            await asyncio.sleep(0.05)
        rate = (audits.count - start_count) / (time.monotonic() - start)
    await producer.stop()
    return rate


async def soak(bootstrap: str, catalogue: TopicCatalogue, worker_pid: int, rate: float, seconds: float) -> list[dict]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    samples: list[dict] = []
    async with Tail(bootstrap, [catalogue.audit.name], PARTITIONS) as audits:
        base = audits.count
        await asyncio.sleep(2)
        base = audits.count
        produced, tick, started = 0, 0.1, time.monotonic()
        next_sample = started
        pool = short_mix(20_000, seed=3, prefix="s")
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(rate * elapsed) - produced
            for _ in range(max(0, due)):
                r = pool[produced % len(pool)]
                await producer.send(catalogue.requests.name, encode(r), key=r.key())
                produced += 1
            if time.monotonic() >= next_sample:
                samples.append(
                    {
                        "t_s": round(elapsed, 1),
                        "produced": produced,
                        "processed": audits.count - base,
                        "lag": produced - (audits.count - base),
                        "worker_rss_mib": round(rss_mib(worker_pid), 1),
                    }
                )
                print(json.dumps(samples[-1]), flush=True)
                next_sample += 10
            await asyncio.sleep(tick)
    await producer.stop()
    return samples


def slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs) or 1.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def report(capacity: float, rate: float, samples: list[dict], minutes: float) -> dict:
    second_half = [s for s in samples if s["t_s"] >= samples[-1]["t_s"] / 2]
    rss_slope = slope([s["t_s"] / 60 for s in second_half], [s["worker_rss_mib"] for s in second_half])
    lag_slope = slope([s["t_s"] / 60 for s in second_half], [s["lag"] for s in second_half])
    last_third = [s for s in samples if s["t_s"] >= samples[-1]["t_s"] * 2 / 3]
    rss_slope_last = slope([s["t_s"] / 60 for s in last_third], [s["worker_rss_mib"] for s in last_third])
    return {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "minutes": minutes,
        "capacity_msgs_per_s": round(capacity, 1),
        "soak_rate_msgs_per_s": round(rate, 1),
        "rss_mib_first": samples[0]["worker_rss_mib"],
        "rss_mib_last": samples[-1]["worker_rss_mib"],
        "rss_mib_max": max(s["worker_rss_mib"] for s in samples),
        "rss_slope_mib_per_min_second_half": round(rss_slope, 3),
        "rss_slope_mib_per_min_last_third": round(rss_slope_last, 3),
        "lag_max": max(s["lag"] for s in samples),
        "lag_last": samples[-1]["lag"],
        "lag_slope_per_min_second_half": round(lag_slope, 2),
        "samples": samples,
    }


def write_markdown(result: dict, path: Path) -> None:
    lines = [
        "# Soak: one worker at half its measured capacity",
        "",
        f"Command: `python -m bench.soak --minutes {result['minutes']:g}`; machine: {result['machine']['cpus']} CPUs, "
        f"{result['machine']['platform']}, Python {result['machine']['python']}; embedded Tansu broker, 4 partitions,",
        "short-request mix (80% benign, 15% PII, 5% attacks), all three tasks on.",
        "",
        *([f"Conditions: {result['note']}", ""] if result.get("note") else []),
        f"- measured capacity: **{result['capacity_msgs_per_s']} msgs/s**; "
        f"soak rate: **{result['soak_rate_msgs_per_s']} msgs/s**",
        f"- worker RSS: first {result['rss_mib_first']} MiB, last {result['rss_mib_last']} MiB, "
        f"max {result['rss_mib_max']} MiB; slope over the second half "
        f"**{result['rss_slope_mib_per_min_second_half']} MiB/min**, over the last third "
        f"**{result['rss_slope_mib_per_min_last_third']} MiB/min** (allocator warm-up settles, then flat)",
        f"- lag (produced − processed): max {result['lag_max']}, last {result['lag_last']}; slope over the second half"
        f" **{result['lag_slope_per_min_second_half']} msgs/min**",
        "",
        "| t (s) | produced | processed | lag | worker RSS (MiB) |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s['t_s']} | {s['produced']} | {s['processed']} | {s['lag']} | {s['worker_rss_mib']} |"
        for s in result["samples"]
    ]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--capacity-messages", type=int, default=10_000)
    parser.add_argument("--fraction", type=float, default=0.5)
    parser.add_argument("--note", default="", help="Conditions of this run, recorded in the report.")
    args = parser.parse_args(argv)
    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        settings = load_settings(topics__partitions=PARTITIONS)
        catalogue = build_catalogue(settings, Policy.load())
        asyncio.run(ensure_topics(catalogue, bootstrap_servers=bootstrap))
        log = open(Path(tempfile.mkdtemp()) / "worker.log", "wb")  # noqa: SIM115
        env = {
            **os.environ,
            "GUARDSTREAM_KAFKA_BOOTSTRAP": bootstrap,
            "GUARDSTREAM_LOG_LEVEL": "warning",
            "GUARDSTREAM_TOPICS__PARTITIONS": str(PARTITIONS),
        }
        worker = subprocess.Popen([sys.executable, "-m", "guardstream", "worker"], stdout=log, stderr=log, env=env)
        try:
            capacity = asyncio.run(measure_capacity(bootstrap, catalogue, args.capacity_messages))
            rate = capacity * args.fraction
            print(f"capacity {capacity:.0f} msgs/s; soaking at {rate:.0f} msgs/s for {args.minutes} min", flush=True)
            samples = asyncio.run(soak(bootstrap, catalogue, worker.pid, rate, args.minutes * 60))
        finally:
            worker.terminate()
            worker.wait(30)
    result = report(capacity, rate, samples, args.minutes)
    result["note"] = args.note
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    write_markdown(result, Path(__file__).parent / "SOAK.md")
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
