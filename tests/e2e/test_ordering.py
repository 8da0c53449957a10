"""A conversation's requests come out in the order they went in, across many pipelined batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from guardstream.topics import Request
from tests.harness import WorkerProcess, catalogue_for, create_topics, guard_through_worker

pytestmark = [pytest.mark.broker, pytest.mark.model]

PARTITIONS = 2
TEXTS = ["what's the weather like in chicago today", "is it going to rain in boston tomorrow"]


@pytest.fixture
def worker(broker, bundle_dir: Path, topic_prefix: str, tmp_path: Path) -> Iterator[WorkerProcess]:
    create_topics(broker.bootstrap_servers, catalogue_for(topic_prefix, PARTITIONS))
    # Small batches: 600 requests make ~40 batches, so batch N+1 is guarded while N is being delivered.
    process = WorkerProcess(
        broker.bootstrap_servers,
        topic_prefix,
        PARTITIONS,
        tmp_path / "worker.log",
        extra_env={"GUARDSTREAM_BATCH_SIZE": "16", "GUARDSTREAM_BATCH_WINDOW_MS": "5"},
    ).start()
    yield process
    process.stop()


def test_outputs_of_a_conversation_keep_input_order(broker, worker: WorkerProcess, topic_prefix: str) -> None:
    catalogue = catalogue_for(topic_prefix, PARTITIONS)
    conversations = ["conv-a", "conv-b", "conv-c"]
    requests = [
        Request.new(TEXTS[i % 2], id=f"{conv}-{i:04d}", conversation_id=conv)
        for i in range(200)
        for conv in conversations
    ]
    out = guard_through_worker(broker.bootstrap_servers, catalogue, requests, worker, timeout_s=240)
    assert set(out.primary_ids()) == {r.id for r in requests}
    checked = 0
    for topic in out.primary_topics:
        seen = [body["id"] for body in out.by_topic.get(topic, [])]
        for conv in conversations:
            ids = [i for i in seen if i.startswith(conv)]
            assert ids == sorted(ids), f"{conv} out of order on {topic}"
            checked += len(ids)
    assert checked == len(requests)
