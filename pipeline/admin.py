"""Topic provisioning through Kafka's admin API (aiokafka), idempotent by design."""

from __future__ import annotations

import contextlib
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from guardstream.topics import TopicCatalogue


async def ensure_topics(catalogue: TopicCatalogue, *, replication_factor: int = 1, **client_kwargs: Any) -> list[str]:
    """Create every catalogue topic that does not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(**client_kwargs)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in catalogue.all() if spec.name not in existing]
        if not missing:
            return []
        new_topics = [NewTopic(spec.name, spec.partitions, replication_factor) for spec in missing]
        with contextlib.suppress(TopicAlreadyExistsError):  # another worker won the race: fine
            await admin.create_topics(new_topics)
        return [spec.name for spec in missing]
    finally:
        await admin.close()


async def partition_count(topic: str, **client_kwargs: Any) -> int | None:
    """How many partitions ``topic`` has on the cluster (``None`` when it does not exist)."""
    admin = AIOKafkaAdminClient(**client_kwargs)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    for entry in described:
        if entry.get("topic") == topic and not entry.get("error_code") and entry.get("partitions"):
            return len(entry["partitions"])
    return None
