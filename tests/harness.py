"""Test harness for real-broker tests: worker processes, producing, and reading every topic.

Shared by the end-to-end and reliability tests so each one states only what it proves.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from guardstream.pipeline.admin import ensure_topics
from guardstream.pipeline.config import load_settings
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.runtime import build_catalogue
from guardstream.topics import Request, TopicCatalogue, encode


def catalogue_for(prefix: str, partitions: int) -> TopicCatalogue:
    settings = load_settings(topics__prefix=prefix, topics__partitions=partitions)
    return build_catalogue(settings, Policy.load())


def create_topics(bootstrap: str, catalogue: TopicCatalogue) -> None:
    asyncio.run(ensure_topics(catalogue, bootstrap_servers=bootstrap))


@dataclass
class WorkerProcess:
    """A ``guardstream worker`` subprocess with its own log file."""

    bootstrap: str
    prefix: str
    partitions: int
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "GUARDSTREAM_KAFKA_BOOTSTRAP": self.bootstrap,
            "GUARDSTREAM_TOPIC_PREFIX": self.prefix,
            "GUARDSTREAM_APP_ID": f"guardstream-{self.prefix}",
            "GUARDSTREAM_TOPICS__PARTITIONS": str(self.partitions),
            "GUARDSTREAM_LOG_LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "guardstream", "worker"], stdout=log, stderr=subprocess.STDOUT, env=env
            )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill_hard(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit, like a crashed pod."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def broker_behind_proxy() -> Iterator[tuple[str, FlakyProxy]]:
    """An embedded broker reached only through a :class:`FlakyProxy`: yields the bootstrap address and the proxy."""
    from guardstream.pipeline.broker import EmbeddedBroker, free_port

    proxy_port = free_port()
    with EmbeddedBroker(advertised_port=proxy_port) as broker:
        proxy = FlakyProxy(proxy_port, broker.port).start()
        try:
            yield broker.bootstrap_servers, proxy
        finally:
            proxy.stop()


def short_timeout_worker(bootstrap: str, prefix: str, partitions: int, log_path: Path) -> WorkerProcess:
    """A worker whose producer gives up after 3 s, so an outage outlasts aiokafka's own retries and the
    worker's backoff loop (``pipeline.delivery.await_acknowledged``) must hold the batch; started."""
    extra = {"GUARDSTREAM_KAFKA__REQUEST_TIMEOUT_S": "3"}
    return WorkerProcess(bootstrap, prefix, partitions, log_path, extra_env=extra).start()


async def produce(
    bootstrap: str, topic: str, requests: Iterable[Request], raw: Iterable[bytes] = ()
) -> dict[tuple[int, int], bytes]:
    """Produce envelopes (pipelined) and raw payloads; returns raw payloads by (partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=4 * 1024 * 1024)
    await producer.start()
    positions: dict[tuple[int, int], bytes] = {}
    try:
        futures = [await producer.send(topic, encode(r), key=r.key()) for r in requests]
        await asyncio.gather(*futures)
        for payload in raw:
            metadata = await producer.send_and_wait(topic, payload)
            positions[(metadata.partition, metadata.offset)] = payload
    finally:
        await producer.stop()
    return positions


@dataclass
class Collected:
    """Everything read from the output topics, decoded."""

    catalogue: TopicCatalogue
    by_topic: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    raw_by_topic: dict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    # (partition, offset, bytes) per topic: what ``audit verify`` checks
    positions_by_topic: dict[str, list[tuple[int, int, bytes]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def audits(self) -> list[dict]:
        return self.by_topic[self.catalogue.audit.name]

    @property
    def primary_topics(self) -> set[str]:
        c = self.catalogue
        return {s.name for s in c.route_specs} | {c.blocked.name, c.escalation.name, c.dead_letter.name}

    def primary_ids(self) -> dict[str, int]:
        """How often each request id appears across worker / blocked / escalation topics."""
        counts: dict[str, int] = defaultdict(int)
        for topic in self.primary_topics - {self.catalogue.dead_letter.name}:
            for body in self.by_topic.get(topic, []):
                counts[body["id"]] += 1
        return counts

    def dead_positions(self) -> dict[tuple[int, int], int]:
        counts: dict[tuple[int, int], int] = defaultdict(int)
        for body in self.by_topic.get(self.catalogue.dead_letter.name, []):
            counts[(body["source"]["partition"], body["source"]["offset"])] += 1
        return counts


async def collect(
    bootstrap: str,
    catalogue: TopicCatalogue,
    done: Callable[[Collected], bool],
    timeout_s: float,
    alive: Callable[[], bool] = lambda: True,
    settle_s: float = 1.5,
) -> Collected:
    """Read every output topic from the beginning until ``done`` holds (then settle) or time runs out."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    collected = Collected(catalogue)
    try:
        names = [s.name for s in catalogue.all() if s.name != catalogue.requests.name]
        partitions = [TopicPartition(n, p) for n in names for p in range(catalogue.audit.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)

        async def drain(timeout_ms: int) -> None:
            for tp, messages in (await consumer.getmany(timeout_ms=timeout_ms, max_records=5000)).items():
                for m in messages:
                    collected.raw_by_topic[tp.topic].append(m.value)
                    collected.positions_by_topic[tp.topic].append((tp.partition, m.offset, m.value))
                    collected.by_topic[tp.topic].append(orjson.loads(m.value))

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and alive():
            await drain(300)
            if done(collected):
                settle_until = time.monotonic() + settle_s
                while time.monotonic() < settle_until:
                    await drain(300)
                break
    finally:
        await consumer.stop()
    return collected


def guard_through_worker(
    bootstrap: str, catalogue: TopicCatalogue, requests: list[Request], worker: WorkerProcess, timeout_s: float = 180
) -> Collected:
    """Produce ``requests``, wait for an audit record of each, and check the worker survived it."""
    asyncio.run(produce(bootstrap, catalogue.requests.name, requests))
    wanted = {r.id for r in requests}

    def done(c: Collected) -> bool:  # by id: the topics may hold audit records of earlier rounds
        return wanted <= {a["request_id"] for a in c.audits}

    out = asyncio.run(collect(bootstrap, catalogue, done, timeout_s, alive=lambda: worker.alive))
    assert worker.alive, "worker died:\n" + worker.log_text()[-3000:]
    return out


def wait_for(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


class FlakyProxy:
    """A loopback TCP proxy in a background thread that can cut the broker off on demand.

    The broker advertises the proxy's port, so every client connection (metadata, fetch,
    produce, group coordination) goes through it; ``outage()`` drops all connections and
    refuses new ones, like a network partition or a broker restart.
    """

    def __init__(self, listen_port: int, target_port: int, host: str = "127.0.0.1"):
        import threading

        self.host, self.listen_port, self.target_port = host, listen_port, target_port
        self._down = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> FlakyProxy:
        self._thread.start()
        self._ready.wait(5)
        return self

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, self.host, self.listen_port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    def _cut(self) -> None:
        self._down = True
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    def outage(self, seconds: float) -> None:
        """Drop every connection and refuse new ones for ``seconds``, then heal."""
        self._loop.call_soon_threadsafe(self._cut)
        time.sleep(seconds)
        self._down = False

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._cut)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
