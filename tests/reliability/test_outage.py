"""A broker outage mid-stream makes the worker wait and retry, never drop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.harness import (
    broker_behind_proxy,
    catalogue_for,
    collect,
    create_topics,
    produce,
    short_timeout_worker,
)
from tests.reliability.test_crash_restart import _account, _all_accounted, _stream

pytestmark = [pytest.mark.broker, pytest.mark.model]

PARTITIONS = 2
# Enough backlog that the worker is still producing when the outage starts (after 1,000 audits): with 5,000 a
# fast host finished the whole stream before the collector saw 1,000 audits, and the outage then tested nothing.
N_REQUESTS = 20_000


def test_worker_survives_a_broker_outage_without_losing_messages(
    bundle_dir: Path, topic_prefix: str, tmp_path: Path
) -> None:
    with broker_behind_proxy() as (bootstrap, proxy):
        catalogue = catalogue_for(topic_prefix, PARTITIONS)
        create_topics(bootstrap, catalogue)
        requests, malformed = _stream(n=N_REQUESTS)
        positions = asyncio.run(produce(bootstrap, catalogue.requests.name, requests, malformed))
        worker = short_timeout_worker(bootstrap, topic_prefix, PARTITIONS, tmp_path / "worker.log")
        try:
            asyncio.run(collect(bootstrap, catalogue, lambda c: len(c.audits) >= 1000, 240, alive=lambda: worker.alive))
            proxy.outage(8.0)  # every connection dropped, new ones refused
            assert worker.alive, "the worker must wait out an outage, not exit:\n" + worker.log_text()[-3000:]
            ids, dead = {r.id for r in requests}, set(positions)
            out = asyncio.run(collect(bootstrap, catalogue, _all_accounted(ids, dead), 300, alive=lambda: worker.alive))
            assert worker.alive, worker.log_text()[-3000:]
            assert "produce_failed_backing_off" in worker.log_text()
        finally:
            worker.stop()
    result = _account(out, catalogue, ids, dead)
    print(f"outage: {result['duplicates']} re-deliveries of {len(ids) + len(dead)} inputs")
    assert result["missing"] == [] and result["dead_missing"] == []
    assert result["unexpected"] == [] and result["split"] == []
