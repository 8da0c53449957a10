"""The embedded broker is a real Kafka wire-protocol broker on loopback only."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from guardstream.pipeline.broker import EmbeddedBroker

pytestmark = pytest.mark.broker


def test_refuses_non_loopback_binding() -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmbeddedBroker(host="0.0.0.0")


def test_round_trip_through_a_fresh_broker() -> None:
    async def round_trip(bootstrap: str) -> list[bytes]:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for i in range(3):
                await producer.send_and_wait("roundtrip", f"m{i}".encode(), partition=0)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tp = TopicPartition("roundtrip", 0)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            batch = await consumer.getmany(tp, timeout_ms=5000)
            return [m.value for m in batch.get(tp, [])]
        finally:
            await consumer.stop()

    broker = EmbeddedBroker().start()
    try:
        assert broker.running and broker.bootstrap_servers.startswith("127.0.0.1:")
        assert asyncio.run(round_trip(broker.bootstrap_servers)) == [b"m0", b"m1", b"m2"]
    finally:
        broker.stop()
    assert not broker.running
