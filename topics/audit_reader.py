"""Read the audit topic, for reports, dashboards and end-to-end tests.

The reader joins no consumer group: it assigns every partition itself and commits nothing,
so running a report never moves anyone's offsets or triggers a rebalance of the pipeline.
By default it stops once the topic has been quiet for ``idle_timeout_s``, which turns "read
everything so far" into a loop that ends.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from guardstream.topics.codec import decode
from guardstream.topics.schemas import AuditRecord

_POLL_MS = 200


class TopicMessage(NamedTuple):
    """One record as read, undecoded; ``timestamp_ms`` is the record's Kafka timestamp."""

    partition: int
    offset: int
    value: bytes | None
    timestamp_ms: int


class AuditReader:
    """``async for record in AuditReader(servers): ...``; ``skipped`` counts undecodable records.

    Undecodable records are skipped rather than raised: one bad message (a tombstone, a
    record from a newer schema) should not make the rest of the audit trail unreadable.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str = "guardstream.audit",
        *,
        from_beginning: bool = True,
        idle_timeout_s: float | None = 5.0,
        **consumer_kwargs: Any,
    ) -> None:
        self.topic = topic
        self.from_beginning = from_beginning
        self.idle_timeout_s = idle_timeout_s
        self.skipped = 0
        self.first_offsets: dict[int, int] = {}
        self._options = {
            **consumer_kwargs,
            "bootstrap_servers": bootstrap_servers,
            "group_id": None,
            "enable_auto_commit": False,
        }

    async def __aiter__(self) -> AsyncIterator[AuditRecord]:
        async for message in self.messages():
            record = self._decode(message.value)
            if record is not None:
                yield record

    async def messages(self) -> AsyncIterator[TopicMessage]:
        """Every record of the topic, undecoded: what ``audit verify`` checks and ``peek``/``replay`` read.

        ``first_offsets`` holds each partition's first available offset once iteration began (past 0 where
        retention removed records).
        """
        consumer = AIOKafkaConsumer(**self._options)
        try:
            await consumer.start()
            partitions = consumer.partitions_for_topic(self.topic)
            if not partitions:
                raise LookupError(f"topic {self.topic!r} does not exist or has no partitions")
            assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            beginnings = await consumer.beginning_offsets(assigned)
            self.first_offsets = {tp.partition: offset for tp, offset in beginnings.items()}
            if self.from_beginning:
                await consumer.seek_to_beginning(*assigned)
            else:
                await consumer.seek_to_end(*assigned)

            idle_since = time.monotonic()
            while True:
                batches = await consumer.getmany(timeout_ms=_POLL_MS)
                if not any(batches.values()):
                    if self._idle_for(idle_since):
                        return
                    continue
                for tp, batch in batches.items():
                    for message in batch:
                        yield TopicMessage(tp.partition, message.offset, message.value, message.timestamp)
                # Restart the idle clock after the caller is done with the batch, so a slow
                # consumer of records is not mistaken for a quiet topic.
                idle_since = time.monotonic()
        finally:
            await consumer.stop()

    def _idle_for(self, since: float) -> bool:
        return self.idle_timeout_s is not None and time.monotonic() - since >= self.idle_timeout_s

    def _decode(self, value: bytes | None) -> AuditRecord | None:
        if value is None:
            self.skipped += 1
            return None
        try:
            return decode(AuditRecord, value)
        except ValidationError:
            self.skipped += 1
            return None


async def read_audit(
    bootstrap_servers: str,
    topic: str = "guardstream.audit",
    *,
    from_beginning: bool = True,
    idle_timeout_s: float | None = 5.0,
    **consumer_kwargs: Any,
) -> AsyncIterator[AuditRecord]:
    """Yield audit records; see :class:`AuditReader` (use it directly to see ``skipped``)."""
    reader = AuditReader(
        bootstrap_servers,
        topic,
        from_beginning=from_beginning,
        idle_timeout_s=idle_timeout_s,
        **consumer_kwargs,
    )
    async for record in reader:
        yield record
