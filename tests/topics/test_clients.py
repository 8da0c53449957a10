"""RequestProducer and AuditReader against in-memory fakes of the aiokafka clients.

These check our own logic (keys, encoding, defaults, partition assignment, idle stop,
skipping bad records); talking to a real broker is the integration tests' job.
"""

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from aiokafka import TopicPartition

from guardstream.topics import audit_reader, producer
from guardstream.topics.audit_reader import AuditReader, read_audit
from guardstream.topics.codec import decode, encode
from guardstream.topics.producer import RequestProducer
from guardstream.topics.schemas import AuditRecord, Decision, ModelVersions, PiiSummary, Request, SourcePosition


class FakeProducer:
    instances: ClassVar[list["FakeProducer"]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.pending: list[asyncio.Future[None]] = []
        self.started = self.stopped = False
        FakeProducer.instances.append(self)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, topic: str, value: bytes, key: bytes) -> "asyncio.Future[None]":
        self.sent.append((topic, value, key))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        return future

    async def send_and_wait(self, topic: str, value: bytes, key: bytes) -> None:
        self.sent.append((topic, value, key))


@pytest.fixture
def fake_producer(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeProducer]]:
    FakeProducer.instances = []
    monkeypatch.setattr(producer, "AIOKafkaProducer", FakeProducer)
    yield FakeProducer


async def test_producer_defaults_and_passthrough(fake_producer: type[FakeProducer]) -> None:
    async with RequestProducer("b:9092", security_protocol="SASL_SSL", linger_ms=50) as p:
        kwargs = fake_producer.instances[0].kwargs
        assert kwargs == {
            "bootstrap_servers": "b:9092",
            "linger_ms": 50,
            "acks": "all",
            "enable_idempotence": False,
            "security_protocol": "SASL_SSL",
        }
        assert fake_producer.instances[0].started
        assert p.topic == "guardstream.requests"
    assert fake_producer.instances[0].stopped


async def test_send_and_send_text(fake_producer: type[FakeProducer]) -> None:
    async with RequestProducer("b:9092", topic="acme.requests") as p:
        request = Request.new("hi", conversation_id="c1")
        await p.send(request)
        sent = await p.send_text("hello", tenant="acme", metadata={"channel": "web"})
    fake = fake_producer.instances[0]
    assert fake.sent[0] == ("acme.requests", encode(request), b"c1")
    _, value, key = fake.sent[1]
    assert decode(Request, value) == sent
    assert (sent.text, sent.tenant, sent.metadata, key) == (
        "hello",
        "acme",
        {"channel": "web"},
        sent.id.encode(),
    )


async def test_send_many_enqueues_everything_before_waiting(fake_producer: type[FakeProducer]) -> None:
    async with RequestProducer("b:9092") as p:
        fake = fake_producer.instances[0]
        requests = [Request.new(f"m{i}") for i in range(5)]
        task = asyncio.create_task(p.send_many(iter(requests)))
        await asyncio.sleep(0)
        assert len(fake.sent) == 5 and not task.done()  # all enqueued, none acknowledged yet
        for future in fake.pending:
            future.set_result(None)
        assert await task == 5
        assert [key for _, _, key in fake.sent] == [r.key() for r in requests]


async def test_send_before_start_is_a_clear_error(fake_producer: type[FakeProducer]) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        await RequestProducer("b:9092").send(Request.new("x"))


def audit(n: int) -> AuditRecord:
    return AuditRecord(
        request_id=f"r{n}",
        tenant="acme",
        decision=Decision.ALLOW,
        reasons=[],
        output_topic="guardstream.llm.general",
        route="general",
        pii=PiiSummary(),
        versions=ModelVersions(model="m", policy="p", recognizers="r"),
        timings_ms={},
        source=SourcePosition(topic="guardstream.requests", partition=0, offset=n),
        text_chars=3,
        processed_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


_OFFSETS = itertools.count()


class FakeConsumer:
    instances: ClassVar[list["FakeConsumer"]] = []
    partitions: ClassVar[set[int] | None] = {0, 1}
    batches: ClassVar[list[dict[TopicPartition, list[Any]]]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.assigned: list[TopicPartition] = []
        self.seeks: list[tuple[str, tuple[TopicPartition, ...]]] = []
        self.stopped = False
        self._batches = list(FakeConsumer.batches)
        FakeConsumer.instances.append(self)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped = True

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return FakeConsumer.partitions

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.assigned = list(partitions)

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.seeks.append(("beginning", partitions))

    async def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 0)

    async def seek_to_end(self, *partitions: TopicPartition) -> None:
        self.seeks.append(("end", partitions))

    async def getmany(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Any]]:
        if self._batches:
            return self._batches.pop(0)
        await asyncio.sleep(timeout_ms / 1000)
        return {}


def msg(value: bytes | None) -> SimpleNamespace:
    return SimpleNamespace(value=value, offset=next(_OFFSETS), timestamp=0)


@pytest.fixture
def fake_consumer(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeConsumer]]:
    FakeConsumer.instances = []
    FakeConsumer.partitions = {0, 1}
    tp0, tp1 = TopicPartition("guardstream.audit", 0), TopicPartition("guardstream.audit", 1)
    FakeConsumer.batches = [
        {tp0: [msg(encode(audit(1))), msg(b"not json")], tp1: [msg(encode(audit(2)))]},
        {},
        {tp1: [msg(None), msg(encode(audit(3)))]},
    ]
    monkeypatch.setattr(audit_reader, "AIOKafkaConsumer", FakeConsumer)
    yield FakeConsumer


async def test_reader_assigns_all_partitions_skips_bad_records_and_stops_when_idle(
    fake_consumer: type[FakeConsumer],
) -> None:
    reader = AuditReader("b:9092", idle_timeout_s=0.3, security_protocol="SSL")
    records = [r async for r in reader]
    assert [r.request_id for r in records] == ["r1", "r2", "r3"]
    assert reader.skipped == 2
    consumer = fake_consumer.instances[0]
    assert consumer.kwargs["group_id"] is None
    assert consumer.kwargs["enable_auto_commit"] is False
    assert consumer.kwargs["security_protocol"] == "SSL"
    assert consumer.assigned == [TopicPartition("guardstream.audit", p) for p in (0, 1)]
    assert consumer.seeks == [("beginning", tuple(consumer.assigned))]
    assert consumer.stopped


async def test_read_audit_wrapper_and_from_end(fake_consumer: type[FakeConsumer]) -> None:
    records = [r async for r in read_audit("b:9092", from_beginning=False, idle_timeout_s=0.2)]
    assert len(records) == 3
    assert fake_consumer.instances[0].seeks[0][0] == "end"


async def test_reader_follows_forever_without_idle_timeout(fake_consumer: type[FakeConsumer]) -> None:
    records = aiter(AuditReader("b:9092", idle_timeout_s=None))
    assert [(await anext(records)).request_id for _ in range(3)] == ["r1", "r2", "r3"]
    with pytest.raises(TimeoutError):  # topic is quiet, but the reader keeps waiting
        await asyncio.wait_for(anext(records), timeout=0.5)
    assert fake_consumer.instances[0].stopped  # cancellation still closes the consumer


async def test_reader_missing_topic(fake_consumer: type[FakeConsumer]) -> None:
    fake_consumer.partitions = None
    with pytest.raises(LookupError, match=r"guardstream\.audit"):
        async for _ in AuditReader("b:9092"):
            pass
    assert fake_consumer.instances[0].stopped
