"""Operability on the real broker: a worker started before Kafka waits for it, its probes say when it is
ready, an outage is a handful of log lines, and SIGTERM during an outage ends it without a traceback."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from guardstream.pipeline.broker import EmbeddedBroker, free_port
from guardstream.topics import Request
from tests.harness import (
    WorkerProcess,
    broker_behind_proxy,
    catalogue_for,
    collect,
    create_topics,
    produce,
    short_timeout_worker,
    wait_for,
)
from tests.traffic import BENIGN

pytestmark = [pytest.mark.broker, pytest.mark.model]


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _requests(n: int, prefix: str) -> list[Request]:
    return [Request.new(BENIGN[i % len(BENIGN)], id=f"{prefix}{i:05d}", tenant="acme") for i in range(n)]


def test_a_worker_started_before_the_broker_waits_for_it_and_readyz_flips_when_ready(
    bundle_dir: Path, topic_prefix: str, tmp_path: Path
) -> None:
    broker_port, probe_port = free_port(), free_port()
    bootstrap = f"127.0.0.1:{broker_port}"
    worker = WorkerProcess(
        bootstrap, topic_prefix, 1, tmp_path / "worker.log", extra_env={"GUARDSTREAM_METRICS_PORT": str(probe_port)}
    ).start()
    try:
        assert wait_for(lambda: _status(probe_port, "/healthz") == 200, 60), worker.log_text()
        assert _status(probe_port, "/readyz") == 503  # no Kafka yet
        assert _status(probe_port, "/metrics") == 200 and _status(probe_port, "/anything") == 404
        time.sleep(4)  # a few failed attempts
        assert worker.alive, "the worker must wait for Kafka, not exit:\n" + worker.log_text()[-2000:]
        assert _status(probe_port, "/readyz") == 503
        with EmbeddedBroker(port=broker_port) as broker:
            catalogue = catalogue_for(topic_prefix, 1)
            create_topics(broker.bootstrap_servers, catalogue)
            requests = _requests(20, "late")
            asyncio.run(produce(broker.bootstrap_servers, catalogue.requests.name, requests))
            wanted = {r.id for r in requests}
            out = asyncio.run(
                collect(
                    broker.bootstrap_servers,
                    catalogue,
                    lambda c: wanted <= {a["request_id"] for a in c.audits},
                    120,
                    alive=lambda: worker.alive,
                )
            )
            assert wanted <= {a["request_id"] for a in out.audits}, worker.log_text()[-2000:]
            assert wait_for(lambda: _status(probe_port, "/readyz") == 200, 30)
            worker.stop()
    finally:
        worker.stop()
    log = worker.log_text()
    assert "kafka_unreachable_retrying" in log and "Traceback" not in log
    assert len(log.splitlines()) <= 10, log


def test_an_outage_is_quiet_and_sigterm_during_one_exits_without_a_traceback(
    bundle_dir: Path, topic_prefix: str, tmp_path: Path
) -> None:
    with broker_behind_proxy() as (bootstrap, proxy):
        catalogue = catalogue_for(topic_prefix, 2)
        create_topics(bootstrap, catalogue)
        asyncio.run(produce(bootstrap, catalogue.requests.name, _requests(30_000, "o")))
        worker = short_timeout_worker(bootstrap, topic_prefix, 2, tmp_path / "worker.log")
        try:
            asyncio.run(collect(bootstrap, catalogue, lambda c: len(c.audits) >= 500, 240, alive=lambda: worker.alive))
            before = len(worker.log_text().splitlines())
            proxy.outage(30.0)
            during = worker.log_text().splitlines()[before:]
            assert worker.alive, worker.log_text()[-3000:]
            assert 1 <= len(during) <= 20, "\n".join(during)

            # the second outage: SIGTERM five seconds in
            cut = threading.Thread(target=proxy.outage, args=(40.0,), daemon=True)
            cut.start()
            time.sleep(5)
            assert worker.process is not None
            worker.process.terminate()
            status = worker.process.wait(timeout=60)
        finally:
            worker.stop()
    log = worker.log_text()
    assert status in (0, 70), log[-3000:]
    assert "Traceback" not in log and "CancelledError" not in log, log[-3000:]
