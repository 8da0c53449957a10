"""End to end through the embedded broker: sustained guarded throughput, added latency, scaling.

Everything shares the same CPUs, as it would on a 2-core box: the Tansu broker, the worker process(es), and
this process (producer and the consumers that read the results back).

- **throughput**: ``n`` requests are queued first, then the worker(s) start; the rate is the number of audit
  records (one per processed input, written after its output) per second between the 10% and the 100% mark,
  which leaves out model load and group join. The run then checks that the group's committed offsets cover
  every input (nothing is counted that would be re-processed after a restart).
- **latency**: requests are produced at a fixed fraction of that rate; the added latency of a request is the
  broker timestamp of its output record (worker topic, blocked or escalation: CreateTime set by the worker's
  producer) minus that of its input record (CreateTime set by our producer).
- **worker CPU and peak RSS** come from ``/proc``: utime+stime over the run, and VmHWM.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.workload import short_mix
from guardstream.pipeline.admin import ensure_topics
from guardstream.pipeline.broker import EmbeddedBroker
from guardstream.pipeline.config import load_settings
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.runtime import build_catalogue
from guardstream.topics import Request, TopicCatalogue, encode

# Clients batch for up to 5 ms (Kafka 4 producer default): fewer produce requests for the shared-CPU broker.
LOADGEN_LINGER_MS = 5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def proc_peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Workers:
    """``count`` worker processes in one consumer group, each with ``threads`` ONNX threads."""

    bootstrap: str
    prefix: str
    partitions: int
    count: int
    threads: int
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __enter__(self) -> Workers:
        log_dir = Path(tempfile.mkdtemp(prefix="guardstream-bench-"))
        env = {
            **os.environ,
            "GUARDSTREAM_KAFKA_BOOTSTRAP": self.bootstrap,
            "GUARDSTREAM_TOPIC_PREFIX": self.prefix,
            "GUARDSTREAM_APP_ID": f"bench-{self.prefix}",
            "GUARDSTREAM_TOPICS__PARTITIONS": str(self.partitions),
            "GUARDSTREAM_INTRA_OP_THREADS": str(self.threads),
            "GUARDSTREAM_LOG_LEVEL": "warning",
            **self.extra_env,
        }
        for i in range(self.count):
            log = open(log_dir / f"worker-{i}.log", "wb")
            self.processes.append(
                subprocess.Popen([sys.executable, "-m", "guardstream", "worker"], stdout=log, stderr=log, env=env)
            )
        self.log_dir = log_dir
        return self

    def cpu_seconds(self) -> float:
        return sum(proc_cpu_seconds(p.pid) for p in self.processes)

    def peak_rss_mib(self) -> float:
        return max(proc_peak_rss_mib(p.pid) for p in self.processes)

    def __exit__(self, *exc: object) -> None:
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


class Tail:
    """Reads topics from the beginning in the background; keeps a count and optional per-record callback."""

    def __init__(self, bootstrap: str, topics: Sequence[str], partitions: int, *, keep_timestamps: bool = False):
        self.bootstrap, self.topics, self.partitions = bootstrap, list(topics), partitions
        self.keep_timestamps = keep_timestamps
        self.count = 0
        self.arrivals: list[tuple[float, int]] = []  # (monotonic time seen, count so far), for rate windows
        self.out_ts: dict[str, int] = {}

    async def __aenter__(self) -> Tail:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self._consumer.start()
        parts = [TopicPartition(t, p) for t in self.topics for p in range(self.partitions)]
        self._consumer.assign(parts)
        await self._consumer.seek_to_beginning(*parts)
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100, max_records=20_000)
            for records in batches.values():
                self.count += len(records)
                if self.keep_timestamps:
                    for r in records:
                        self.out_ts[orjson.loads(r.value)["id"]] = r.timestamp
            self.arrivals.append((time.monotonic(), self.count))

    async def wait_for(self, n: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.count < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.count} of {n} records after {timeout_s:.0f}s")
            await asyncio.sleep(0.05)

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        await self._consumer.stop()


async def produce_backlog(bootstrap: str, topic: str, requests: Sequence[Request]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=256 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, encode(r), key=r.key()) for r in requests]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def committed_total(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        total = 0
        for p in range(partitions):
            total += await consumer.committed(TopicPartition(topic, p)) or 0
        return total
    finally:
        await consumer.stop()


def rate_between(arrivals: list[tuple[float, int]], lo: int, hi: int) -> float:
    """Records per second between the moments the count first reached ``lo`` and ``hi``."""
    t_lo = next(t for t, c in arrivals if c >= lo)
    t_hi = next(t for t, c in arrivals if c >= hi)
    return (hi - lo) / max(1e-9, t_hi - t_lo)


@dataclass
class Setup:
    broker: EmbeddedBroker
    catalogue: TopicCatalogue
    prefix: str
    partitions: int

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap_servers

    @property
    def output_topics(self) -> list[str]:
        c = self.catalogue
        return [*(s.name for s in c.route_specs), c.blocked.name, c.escalation.name]


def new_setup(broker: EmbeddedBroker, prefix: str, partitions: int) -> Setup:
    settings = load_settings(topics__partitions=partitions, topics__prefix=prefix)
    catalogue = build_catalogue(settings, Policy.load())
    asyncio.run(ensure_topics(catalogue, bootstrap_servers=broker.bootstrap_servers))
    return Setup(broker, catalogue, prefix, partitions)


def throughput(
    broker: EmbeddedBroker,
    *,
    messages: int,
    workers: int,
    threads: int,
    partitions: int,
    tag: str,
    extra_env: dict[str, str] | None = None,
) -> dict[str, float]:
    """Queue ``messages`` requests, start the workers, time the drain; checks committed offsets after."""
    setup = new_setup(broker, f"bench-{tag}", partitions)
    requests = short_mix(messages, seed=11, prefix=f"{tag}-")
    t0 = time.perf_counter()
    asyncio.run(produce_backlog(setup.bootstrap, setup.catalogue.requests.name, requests))
    produce_s = time.perf_counter() - t0

    async def drain(group: Workers) -> dict[str, float]:
        async with Tail(setup.bootstrap, [setup.catalogue.audit.name], partitions) as audits:
            await audits.wait_for(messages // 10, timeout_s=180)
            cpu0, wall0 = group.cpu_seconds(), time.monotonic()
            await audits.wait_for(messages, timeout_s=max(600, messages / 50))
            cpu, wall = group.cpu_seconds() - cpu0, time.monotonic() - wall0
            rate = rate_between(audits.arrivals, messages // 10, messages)
        # Offsets are committed every second; give the last commit time to land.
        group_id = f"bench-{setup.prefix}"
        committed = 0
        for _ in range(50):
            committed = await committed_total(setup.bootstrap, group_id, setup.catalogue.requests.name, partitions)
            if committed >= messages:
                break
            await asyncio.sleep(0.2)
        return {
            "msgs_per_s": rate,
            "worker_cpu_cores": cpu / wall,
            "worker_peak_rss_mib": group.peak_rss_mib(),
            "committed_offsets": committed,
        }

    with Workers(setup.bootstrap, setup.prefix, partitions, workers, threads, extra_env=extra_env or {}) as group:
        result = asyncio.run(drain(group))
    return {
        "messages": messages,
        "workers": workers,
        "threads_per_worker": threads,
        "partitions": partitions,
        "backlog_produce_s": produce_s,
        **result,
    }


async def _paced(setup: Setup, requests: Sequence[Request], rate: float, group: Workers) -> dict[str, float]:
    producer = AIOKafkaProducer(bootstrap_servers=setup.bootstrap, linger_ms=LOADGEN_LINGER_MS)
    await producer.start()
    in_ts: dict[str, int] = {}
    async with Tail(setup.bootstrap, setup.output_topics, setup.partitions, keep_timestamps=True) as outputs:
        pending = []
        start = time.monotonic()
        cpu0 = group.cpu_seconds()
        broker_cpu0, own_cpu0 = _broker_cpu(setup), time.process_time()
        sent = 0
        while sent < len(requests):
            due = min(len(requests), int((time.monotonic() - start) * rate) + 1)
            for r in requests[sent:due]:
                pending.append((r.id, await producer.send(setup.catalogue.requests.name, encode(r), key=r.key())))
            sent = due
            await asyncio.sleep(0.002)
        for rid, fut in pending:
            in_ts[rid] = (await fut).timestamp
        produce_wall = time.monotonic() - start
        deadline = time.monotonic() + 120
        while any(rid not in outputs.out_ts for rid in in_ts):
            if time.monotonic() > deadline:
                raise TimeoutError("outputs missing after 120 s")
            await asyncio.sleep(0.05)
        cpu = group.cpu_seconds() - cpu0
        broker_cpu, own_cpu = _broker_cpu(setup) - broker_cpu0, time.process_time() - own_cpu0
        wall = time.monotonic() - start
    await producer.stop()
    lat = sorted(outputs.out_ts[rid] - in_ts[rid] for rid in in_ts if rid in outputs.out_ts)

    def pct(q: float) -> float:
        return float(lat[min(len(lat) - 1, int(q * len(lat)))])

    return {
        "target_msgs_per_s": rate,
        "achieved_input_msgs_per_s": len(requests) / produce_wall,
        "messages": len(requests),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": float(lat[-1]),
        "worker_cpu_cores": cpu / wall,
        # Where the rest of the two cores went: the embedded broker, and this process (producer + output reader).
        "broker_cpu_cores": broker_cpu / wall,
        "load_generator_cpu_cores": own_cpu / wall,
        "worker_peak_rss_mib": group.peak_rss_mib(),
    }


def _broker_cpu(setup: Setup) -> float:
    pid = setup.broker.pid
    return proc_cpu_seconds(pid) if pid is not None else 0.0


def latency(
    broker: EmbeddedBroker,
    *,
    fractions: Sequence[float],
    max_rate: float,
    seconds: float,
    threads: int,
    partitions: int,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> list[dict[str, float]]:
    """Added latency at each fraction of ``max_rate``, ``seconds`` of traffic per point."""
    setup = new_setup(broker, f"bench-latency-{workers}x{threads}", partitions)
    out = []
    with Workers(setup.bootstrap, setup.prefix, partitions, workers, threads, extra_env=extra_env or {}) as group:
        warm = short_mix(300, seed=12, prefix="warm-")
        asyncio.run(_paced(setup, warm, 200.0, group))  # model load, group join; discarded
        for k, fraction in enumerate(fractions):
            rate = fraction * max_rate
            requests = short_mix(max(200, int(rate * seconds)), seed=13 + k, prefix=f"lat{k}-")
            point = asyncio.run(_paced(setup, requests, rate, group))
            point["fraction_of_max"] = fraction
            point["workers"], point["threads_per_worker"] = workers, threads
            out.append(point)
    return out
