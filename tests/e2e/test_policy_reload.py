"""Hot reload on the real broker: an edited policy decides the next messages without a restart (within 5 s),
a broken edit is refused with one log line and the running policy stays."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from guardstream.topics import Request
from tests.harness import WorkerProcess, catalogue_for, guard_through_worker, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.model]

ROOT = Path(__file__).resolve().parents[2]
CARD_TEXT = "my card 4111 1111 1111 1111 was declined, can you help"


def _write(path: Path, version: str, pii_action: str) -> None:
    policy = yaml.safe_load((ROOT / "pipeline" / "data" / "default_policy.yaml").read_text())
    policy["version"], policy["pii"]["action"] = version, pii_action
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(policy))
    tmp.replace(path)  # what an editor or a ConfigMap update does: the new file appears whole


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    _write(path, "v1", "redact")
    return path


@pytest.fixture
def worker(start_worker, policy_file: Path) -> WorkerProcess:
    return start_worker(1, env={"GUARDSTREAM_POLICY": str(policy_file), "GUARDSTREAM_POLICY_RELOAD_INTERVAL_S": "0.5"})


def test_a_policy_edit_is_live_without_a_restart_and_a_broken_one_is_refused(
    broker, worker: WorkerProcess, topic_prefix: str, policy_file: Path
) -> None:
    catalogue = catalogue_for(topic_prefix, 1)
    pid = worker.process.pid if worker.process else None

    def decide_one() -> dict:
        request = Request.new(CARD_TEXT, tenant="t")
        out = guard_through_worker(broker.bootstrap_servers, catalogue, [request], worker)
        (audit,) = [a for a in out.audits if a["request_id"] == request.id]
        return audit

    first = decide_one()
    assert (first["decision"], first["versions"]["policy"]) == ("redact", "v1")

    _write(policy_file, "v2", "block")
    time.sleep(0.6)  # one reload interval: the next batch after it is decided by the new version
    second = decide_one()
    assert (second["decision"], second["versions"]["policy"]) == ("block", "v2")
    # the reload itself is in the (chained) audit trail: on the first record decided after it
    assert second["policy_change"]["previous"] == "v1" and second["policy_change"]["current"] == "v2"
    assert first["policy_change"] is None

    policy_file.write_text("version: v3\nsafety: [not, a, mapping\n")
    time.sleep(0.6)
    third = decide_one()
    assert wait_for(lambda: "policy_reload_refused" in worker.log_text(), timeout_s=5)
    assert (third["decision"], third["versions"]["policy"]) == ("block", "v2") and third["policy_change"] is None
    refusals = [line for line in worker.log_text().splitlines() if "policy_reload_refused" in line]
    assert refusals and str(policy_file) in refusals[0] and "Traceback" not in worker.log_text()
    assert worker.alive and worker.process is not None and worker.process.pid == pid
