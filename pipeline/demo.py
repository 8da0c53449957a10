"""``guardstream demo``: the whole guarded flow on an embedded broker, shown live.

Starts Tansu on a free loopback port, creates the topics, runs a real worker process,
plays a built-in sample stream (benign, PII, attacks, malformed bytes), watches every
output topic and the audit topic, and checks that each input came out exactly once.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from guardstream.pipeline.admin import ensure_topics
from guardstream.pipeline.broker import EmbeddedBroker
from guardstream.pipeline.config import load_settings
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.runtime import build_catalogue
from guardstream.topics import AuditRecord, Request, TopicCatalogue, decode

DECISION_STYLES = {
    "allow": "green",
    "redact": "cyan",
    "block": "bold red",
    "escalate": "yellow",
    "dead_letter": "magenta",
}


@dataclass
class DemoInput:
    """One sample message: its bytes on the wire and what a person should see of it."""

    index: int
    payload: bytes
    label: str
    key: bytes | None
    tenant: str | None
    partition: int = -1
    offset: int = -1


@dataclass
class DemoRow:
    source: DemoInput
    audit: AuditRecord | None = None
    outputs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def load_sample_stream(path: Path | None = None) -> list[DemoInput]:
    """Read the sample stream: envelope fields, or ``raw`` / ``raw_b64`` for malformed bytes."""
    text = (
        path.read_text("utf-8")
        if path
        else resources.files("guardstream.pipeline.data").joinpath("demo_stream.jsonl").read_text("utf-8")
    )
    inputs: list[DemoInput] = []
    for index, line in enumerate(line for line in text.splitlines() if line.strip()):
        row = orjson.loads(line)
        if "raw" in row or "raw_b64" in row:
            payload = row["raw"].encode() if "raw" in row else base64.b64decode(row["raw_b64"])
            label = "<malformed> " + payload[:60].decode("utf-8", "replace")
            inputs.append(DemoInput(index, payload, label, None, None))
            continue
        request = Request.new(
            text=row.get("text"),
            messages=row.get("messages"),
            tenant=row.get("tenant", "demo"),
            id=f"demo-{index:03d}",
            conversation_id=row.get("conversation_id"),
        )
        label = request.text if request.text is not None else " | ".join(m.content for m in request.messages or [])
        inputs.append(DemoInput(index, request.model_dump_json().encode(), label, request.key(), request.tenant))
    return inputs


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class DemoView:
    """The live table: one row per input, filled in as its audit record and output arrive."""

    def __init__(self, inputs: list[DemoInput], catalogue: TopicCatalogue):
        self.rows = {item.index: DemoRow(item) for item in inputs}
        self.by_id = {f"demo-{item.index:03d}": item.index for item in inputs if item.tenant is not None}
        self.by_position = {}  # filled after producing
        self.catalogue = catalogue
        self.started = time.monotonic()
        self.first_decision_at: float | None = None

    def index_positions(self, inputs: list[DemoInput]) -> None:
        self.by_position = {(item.partition, item.offset): item.index for item in inputs}

    def add_audit(self, record: AuditRecord) -> None:
        index = self.by_id.get(record.request_id or "")
        if index is None:
            index = self.by_position.get((record.source.partition, record.source.offset))
        if index is not None:
            self.rows[index].audit = record
            if self.first_decision_at is None:
                self.first_decision_at = time.monotonic()

    def add_output(self, topic: str, body: dict[str, Any]) -> None:
        index = self.by_id.get(str(body.get("id")))
        if index is None and topic == self.catalogue.dead_letter.name:
            source = body.get("source") or {}
            index = self.by_position.get((source.get("partition"), source.get("offset")))
        if index is not None:
            self.rows[index].outputs.append((topic, body))

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows.values() if row.audit is not None and row.outputs)

    @staticmethod
    def _wide_table() -> Table:
        table = Table(title="guardstream demo: live decisions", expand=True, show_lines=False)
        table.add_column("#", justify="right", width=3)
        table.add_column("tenant", width=10, overflow="ellipsis")
        table.add_column("request (as produced)", ratio=3, overflow="fold")
        table.add_column("decision", width=11)
        table.add_column("to topic", width=22, overflow="fold")
        table.add_column("why", ratio=2, overflow="fold")
        table.add_column("what the LLM worker sees", ratio=3, overflow="fold")
        return table

    @staticmethod
    def _compact_table() -> Table:
        table = Table(title="guardstream demo", expand=True, show_lines=False, padding=(0, 1))
        table.add_column("#", justify="right", width=2)
        table.add_column("decision", width=11)
        table.add_column("to topic", width=16, overflow="ellipsis")
        table.add_column("request, then → what the LLM sees (or why not)", ratio=1, overflow="fold")
        return table

    def render(self, width: int = 200) -> Group:
        """The table for a terminal ``width`` columns wide: below 120, a compact layout that fits 80."""
        table = self._compact_table() if width < 120 else self._wide_table()
        for index in sorted(self.rows):
            row = self.rows[index]
            audit = row.audit
            decision = audit.decision.value if audit else "…"
            seen = ""
            for topic, body in row.outputs:
                if topic.startswith(self.catalogue.prefix + ".llm."):
                    content = body.get("text")
                    if content is None:
                        content = " | ".join(m["content"] for m in body.get("messages") or [])
                    seen = _short(content, 90)
            topic = audit.output_topic.removeprefix(self.catalogue.prefix + ".") if audit else ""
            reasons = ", ".join(audit.reasons) if audit else ""
            styled = Text(decision, style=DECISION_STYLES.get(decision, ""))
            if width < 120:
                what = Text(_short(row.source.label, 60))
                if seen:
                    what.append("\n→ " + _short(seen, 60), style="green")
                elif reasons:
                    what.append("\n" + _short(reasons, 60), style="dim")
                table.add_row(str(index), styled, _short(topic, 16), what)
            else:
                table.add_row(
                    str(index),
                    row.source.tenant or "-",
                    _short(row.source.label, 90),
                    styled,
                    topic,
                    _short(reasons, 70),
                    seen,
                )
        footer = Text(f"{self.done}/{len(self.rows)} accounted for, {time.monotonic() - self.started:.1f}s")
        return Group(table, footer)


def _spawn_worker(bootstrap: str, log_path: Path, policy_path: Path | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GUARDSTREAM_KAFKA_BOOTSTRAP": bootstrap,
        "GUARDSTREAM_LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
    }
    if policy_path is not None:
        env["GUARDSTREAM_POLICY"] = str(policy_path)
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "guardstream", "worker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )


async def _produce(bootstrap: str, topic: str, inputs: list[DemoInput]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(topic, item.payload, key=item.key) for item in inputs]
        for item, future in zip(inputs, futures, strict=True):
            metadata = await future
            item.partition, item.offset = metadata.partition, metadata.offset
    finally:
        await producer.stop()


async def _watch(
    bootstrap: str, catalogue: TopicCatalogue, view: DemoView, live: Live | None, timeout_s: float
) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        names = [spec.name for spec in catalogue.all() if spec.name != catalogue.requests.name]
        partitions = [TopicPartition(name, p) for name in names for p in range(catalogue.audit.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout_s
        while view.done < len(view.rows) and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for tp, messages in batches.items():
                for message in messages:
                    if tp.topic == catalogue.audit.name:
                        view.add_audit(decode(AuditRecord, message.value))
                    else:
                        view.add_output(tp.topic, orjson.loads(message.value))
            if live is not None:
                live.update(view.render(live.console.width))
    finally:
        await consumer.stop()


@dataclass
class DemoSummary:
    produced: int
    accounted: int
    decisions: Counter[str]
    routes: Counter[str]
    duplicates: int
    missing: list[int]
    startup_s: float
    elapsed_s: float

    @property
    def ok(self) -> bool:
        return self.accounted == self.produced and self.duplicates == 0 and not self.missing


def run_demo(
    console: Console,
    *,
    policy_path: Path | None = None,
    stream_path: Path | None = None,
    timeout_s: float = 120.0,
) -> DemoSummary:
    """Run the demo end to end and return what it saw (the CLI turns it into an exit code)."""
    started = time.monotonic()
    inputs = load_sample_stream(stream_path)
    log_path = Path(tempfile.mkdtemp(prefix="guardstream-demo-")) / "worker.log"
    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        console.print(f"[bold]embedded broker[/] (Tansu) listening on {bootstrap}")
        settings = load_settings(kafka__bootstrap_servers=bootstrap, policy_path=policy_path)
        catalogue = build_catalogue(settings, Policy.load(policy_path))
        asyncio.run(ensure_topics(catalogue, **settings.kafka.client_kwargs()))
        console.print(f"created {len(catalogue.all())} topics with prefix '{catalogue.prefix}'")
        worker = _spawn_worker(bootstrap, log_path, policy_path)
        console.print(f"worker process {worker.pid} starting (log: {log_path})")
        try:
            view = DemoView(inputs, catalogue)
            asyncio.run(_produce(bootstrap, catalogue.requests.name, inputs))
            view.index_positions(inputs)
            console.print(f"produced {len(inputs)} sample requests to {catalogue.requests.name}")
            with Live(view.render(console.width), console=console, refresh_per_second=8, transient=False) as live:
                asyncio.run(_watch(bootstrap, catalogue, view, live, timeout_s))
                live.update(view.render(console.width))
            if worker.poll() is not None:
                console.print(f"[red]worker exited early with code {worker.returncode}; log follows[/]")
                console.print(log_path.read_text(errors="replace")[-4000:])
        finally:
            _stop(worker)
    first = view.first_decision_at
    startup_s = (first - started) if first is not None else float("nan")
    return _summarise(view, inputs, startup_s, time.monotonic() - started)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)


def _summarise(view: DemoView, inputs: list[DemoInput], startup_s: float, elapsed_s: float) -> DemoSummary:
    decisions: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    duplicates = 0
    missing: list[int] = []
    for index, row in sorted(view.rows.items()):
        if row.audit is None or not row.outputs:
            missing.append(index)
            continue
        duplicates += len(row.outputs) - 1
        decisions[row.audit.decision.value] += 1
        if row.audit.route:
            routes[row.audit.route] += 1
    return DemoSummary(
        produced=len(inputs),
        accounted=len(inputs) - len(missing),
        decisions=decisions,
        routes=routes,
        duplicates=duplicates,
        missing=missing,
        startup_s=startup_s,
        elapsed_s=elapsed_s,
    )


def print_summary(console: Console, summary: DemoSummary) -> None:
    table = Table(title="summary", show_header=True)
    table.add_column("decision")
    table.add_column("count", justify="right")
    for decision in DECISION_STYLES:
        table.add_row(Text(decision, style=DECISION_STYLES[decision]), str(summary.decisions.get(decision, 0)))
    console.print(table)
    console.print("routes: " + ", ".join(f"{route}={n}" for route, n in sorted(summary.routes.items())))
    verdict = "[green]OK[/]" if summary.ok else "[red]MISMATCH[/]"
    console.print(
        f"{verdict}: {summary.accounted}/{summary.produced} inputs accounted for exactly once "
        f"(duplicates {summary.duplicates}, missing {summary.missing or 'none'}); "
        f"first decision after {summary.startup_s:.1f}s, all done in {summary.elapsed_s:.1f}s"
    )
    absent = [d for d in DECISION_STYLES if not summary.decisions.get(d)]
    if absent:
        console.print(f"[yellow]note: no sample ended as {', '.join(absent)} this run[/]")
