"""``guardstream worker``: the production entry point against the configured cluster."""

from __future__ import annotations

import asyncio
import signal

import structlog

from guardstream.pipeline.admin import ensure_topics, partition_count, wait_for_cluster
from guardstream.pipeline.config import Settings
from guardstream.pipeline.logs import configure_logging
from guardstream.pipeline.metrics import Metrics
from guardstream.pipeline.runtime import build_processor

log = structlog.get_logger(__name__)

_FAUST_LEVELS = {"debug": "debug", "info": "info", "warning": "warn", "error": "error"}


def run_worker(settings: Settings) -> None:
    """Serve probes, load the models, wait for Kafka, provision topics if allowed, run the engine until stopped."""
    configure_logging(settings.log_level, settings.log_format)
    metrics = Metrics()
    if settings.metrics_port is not None:
        metrics.serve(settings.metrics_port, settings.metrics_host)  # /healthz answers while the model loads
    processor = build_processor(settings)
    metrics.health.set("model_loaded")
    catalogue = processor.catalogue
    if not asyncio.run(_wait_for_cluster(settings)):
        log.info("worker_stopped_before_start")
        return
    if settings.topics.create:
        created = asyncio.run(
            ensure_topics(
                catalogue,
                replication_factor=settings.topics.replication_factor,
                **settings.kafka.client_kwargs(),
            )
        )
        if created:
            log.info("topics_created", topics=created)
    # Audit records go to partitions the signer picks (each link names its partition): use the real count.
    audit_partitions = asyncio.run(partition_count(catalogue.audit.name, **settings.kafka.client_kwargs()))
    if audit_partitions:
        processor.signer.partitions = audit_partitions
    if settings.dead_letter.encryption_key is None:
        log.warning(
            "dead_letters_unencrypted",
            hint="set GUARDSTREAM_DEAD_LETTER_KEY (guardstream dead-letter keygen): originals are stored in clear",
        )
    if not processor.signer.keyed:
        log.warning(
            "audit_chain_unkeyed",
            hint="set GUARDSTREAM_AUDIT_KEY: without it the audit chain detects accidents, not deliberate edits",
        )
    if processor.reloader is not None:
        processor.reloader.on_result = metrics.observe_policy_reload
    log.info(
        "worker_starting",
        engine=settings.engine,
        bootstrap=settings.kafka.bootstrap_servers,
        input_topic=catalogue.requests.name,
        model=processor.versions.model,
        policy=processor.versions.policy,
        audit_chains=processor.signer.run_id,
        shadow=processor.shadow is not None,
        batch_size=settings.batch.size,
        batch_window_ms=settings.batch.window_ms,
    )
    if settings.engine == "direct":
        from guardstream.pipeline.engine import run_direct

        run_direct(settings, processor, metrics)
        return
    import faust

    from guardstream.pipeline.app import create_app

    app = create_app(settings, processor, metrics=metrics)
    worker = faust.Worker(app, loglevel=_FAUST_LEVELS[settings.log_level], quiet=True)
    worker.execute_from_commandline()


async def _wait_for_cluster(settings: Settings) -> bool:
    """Retry the first connection until Kafka answers; SIGTERM/SIGINT while waiting ends the worker cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await wait_for_cluster(stop, **settings.kafka.client_kwargs())
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
