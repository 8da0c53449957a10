"""The faust application: consume requests in micro-batches, guard them, produce, then ack.

Delivery is at-least-once: ``Stream.take_events`` acks a batch's events only after the loop
body returns, and the body returns only once every output and audit record of the batch is
acknowledged by the broker.  A failed produce is retried with capped exponential backoff
instead of being skipped, so a slow or unavailable downstream slows the worker down rather
than losing messages.  Exactly-once would need Kafka transactions (see README, Guarantees).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import faust
import structlog
from faust.types import EventT

from guardstream.pipeline.config import Settings
from guardstream.pipeline.delivery import deliver
from guardstream.pipeline.metrics import Metrics
from guardstream.pipeline.processor import Processor, RawMessage

log = structlog.get_logger(__name__)

# Exit status when a batch could not be delivered (EX_SOFTWARE): the supervisor restarts the
# worker and the uncommitted inputs are consumed again.
EXIT_UNDELIVERED = 70


def faust_broker_credentials(settings: Settings) -> faust.SASLCredentials | faust.SSLCredentials | None:
    """Translate our Kafka settings into faust credentials (None for PLAINTEXT)."""
    kafka = settings.kafka
    context = kafka.ssl_context()
    if kafka.sasl_mechanism:
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password.get_secret_value() if kafka.sasl_password else None,
            mechanism=kafka.sasl_mechanism,
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_app(
    settings: Settings,
    processor: Processor,
    *,
    metrics: Metrics | None = None,
) -> faust.App:
    """Build the faust app with one agent on the requests topic."""
    catalogue = processor.catalogue
    # faust wants a data dir even without tables; keep it out of the working directory.
    datadir = Path(tempfile.gettempdir()) / "guardstream-faust" / settings.app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    session_timeout = settings.kafka.session_timeout_s
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        broker_credentials=faust_broker_credentials(settings),
        broker_client_id=settings.kafka.client_id,
        # Tansu (and small clusters) need a short session timeout or start-up waits ~30 s.
        broker_session_timeout=session_timeout,
        broker_rebalance_timeout=session_timeout,
        broker_heartbeat_interval=max(0.5, session_timeout / 6),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",  # a new group must not skip queued requests
        value_serializer="raw",
        key_serializer="raw",
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication_factor,
        topic_allow_declare=settings.topics.create,
        producer_acks=-1,
        producer_request_timeout=settings.kafka.request_timeout_s,
        producer_linger=0.005,
        # Outputs can be a little larger than their input (placeholders, JSON envelope); the
        # brokers' message.max.bytes must allow the same (see README, Configuration).
        producer_max_request_size=2 * settings.limits.max_message_bytes + 65_536,
        web_enabled=False,
        datadir=str(datadir),
    )
    requests_topic = app.topic(
        catalogue.requests.name,
        partitions=settings.topics.partitions,
        value_serializer="raw",
        key_serializer="raw",
    )
    if metrics is not None:

        @app.on_partitions_assigned.connect
        async def _ready(app: faust.App, assigned: Any, **_: Any) -> None:  # the producer starts before the consumer
            metrics.health.set("producer_connected")
            metrics.health.set("consumer_assigned", bool(assigned))

    batch_size = settings.batch.size
    window_s = settings.batch.window_ms / 1000.0

    async def handle(events: Sequence[EventT]) -> None:
        raws = [_raw(event) for event in events]
        result = await asyncio.to_thread(processor.process, raws)
        await deliver(lambda r: app.producer.send(r.topic, r.key, r.value, r.partition, None, None), result.records)
        if metrics is not None:
            metrics.observe_batch(result)

    @app.agent(requests_topic, name="guard")
    async def guard_agent(stream: faust.StreamT) -> None:  # pragma: no cover - runs inside faust
        async for events in stream.take_events(batch_size, within=window_s):
            await run_batch_or_exit(handle(events), grace_s=settings.kafka.request_timeout_s)

    return app


async def run_batch_or_exit(batch: Coroutine[Any, Any, None], *, grace_s: float) -> None:
    """Run one batch to completion, or end the process before its offsets can be committed.

    ``Stream.take_events`` acks a batch's events when the loop body exits, even by an
    exception or a shutdown cancellation, and acked offsets get committed. So a batch must
    either finish (every output acknowledged) or the process must die without committing:
    on shutdown the in-flight batch gets ``grace_s`` to finish; an unexpected error (a bug:
    per-message failures are dead-lettered by the processor) exits at once. Either way the
    inputs are re-delivered to the next worker: at-least-once holds.
    """
    task = asyncio.ensure_future(batch)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        try:
            await asyncio.wait_for(task, timeout=grace_s)
        except BaseException as error:
            log.error("in_flight_batch_undelivered_exiting_without_commit", error_type=type(error).__name__)
            os._exit(EXIT_UNDELIVERED)
        raise
    except Exception as error:
        log.exception("batch_failed_exiting_without_commit", error_type=type(error).__name__)
        os._exit(EXIT_UNDELIVERED)


def _raw(event: EventT) -> RawMessage:
    message = event.message
    value = message.value
    key = message.key
    return RawMessage(
        value=bytes(value) if value is not None else None,
        key=bytes(key) if key is not None else None,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
    )
