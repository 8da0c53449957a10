"""Topic provisioning through Kafka's admin API (aiokafka), idempotent by design."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from guardstream.topics import TopicCatalogue

log = structlog.get_logger(__name__)


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


async def wait_for_cluster(
    stop: asyncio.Event,
    *,
    initial_backoff_s: float = 0.5,
    max_backoff_s: float = 15.0,
    log_every_s: float = 30.0,
    **client_kwargs: Any,
) -> bool:
    """Wait until the cluster answers (True), retrying with capped backoff, or until ``stop`` is set (False).

    A worker that starts before Kafka (compose, a cluster restart) waits instead of exiting; it logs once
    per ``log_every_s`` with the number of attempts, not once per attempt.
    """
    backoff, attempts, last_logged = initial_backoff_s, 0, -float("inf")
    while not stop.is_set():
        admin = AIOKafkaAdminClient(**client_kwargs)
        try:
            await admin.start()
            await admin.list_topics()
            if attempts:
                log.info("kafka_reachable", attempts=attempts + 1)
            return True
        except (KafkaError, OSError):
            attempts += 1
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        if time.monotonic() - last_logged >= log_every_s:
            log.warning(
                "kafka_unreachable_retrying",
                bootstrap=client_kwargs.get("bootstrap_servers"),
                attempts=attempts,
                retry_every_s=min(max_backoff_s, backoff),
            )
            last_logged = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=backoff)
        backoff = min(max_backoff_s, backoff * 2)
    return False
