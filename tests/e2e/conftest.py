"""A real worker process per test, on the session's embedded broker, with its topics created first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness import WorkerProcess, catalogue_for, create_topics


@pytest.fixture
def start_worker(broker, bundle_dir: Path, topic_prefix: str, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """``start_worker(partitions=1, env={...})``: a running ``guardstream worker``; stopped after the test."""
    started: list[WorkerProcess] = []

    def start(partitions: int = 1, env: dict[str, str] | None = None) -> WorkerProcess:
        create_topics(broker.bootstrap_servers, catalogue_for(topic_prefix, partitions))
        log = tmp_path / f"worker-{len(started)}.log"
        process = WorkerProcess(broker.bootstrap_servers, topic_prefix, partitions, log, extra_env=env or {})
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()
