"""``guardstream dead-letter read``: inspect (and, with the key, open) dead-lettered inputs."""

from __future__ import annotations

import base64
import sys
import time

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from guardstream.pipeline.config import Settings
from guardstream.pipeline.dead_letter import open_original
from guardstream.topics import DeadLetterRecord, TopicCatalogue, decode


async def read_dead_letters(settings: Settings, *, idle_s: float, show_original: bool) -> int:
    topic = TopicCatalogue.build(prefix=settings.topics.prefix).dead_letter.name
    consumer = AIOKafkaConsumer(**settings.kafka.client_kwargs(), enable_auto_commit=False)
    count = 0
    try:
        await consumer.start()
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return 0
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        last = time.monotonic()
        while time.monotonic() - last < idle_s:
            batches = await consumer.getmany(timeout_ms=200)
            for messages in batches.values():
                for message in messages:
                    last = time.monotonic()
                    record = decode(DeadLetterRecord, message.value)
                    out = record.model_dump(mode="json", exclude={"original_b64"})
                    if show_original:
                        original = open_original(record, settings.dead_letter.encryption_key)
                        out["original_b64"] = base64.b64encode(original).decode("ascii")
                    sys.stdout.buffer.write(orjson.dumps(out) + b"\n")
                    count += 1
    finally:
        await consumer.stop()
    return count
