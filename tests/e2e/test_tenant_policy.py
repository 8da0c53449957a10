"""Per-tenant policy on the real broker: an override changes that tenant's decisions only, is stamped on its
outputs and audit records, and ``classify`` shows the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guardstream.topics import Request
from tests.harness import WorkerProcess, catalogue_for, guard_through_worker

pytestmark = [pytest.mark.broker, pytest.mark.model]

ROOT = Path(__file__).resolve().parents[2]
CARD_TEXT = "my card 4111 1111 1111 1111 was declined, can you help"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    policy = yaml.safe_load((ROOT / "pipeline" / "data" / "default_policy.yaml").read_text())
    policy["tenants"] = {"strict-bank": {"pii": {"action": "block"}}, "masking-shop": {"pii": {"operator": "mask"}}}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    return path


@pytest.fixture
def worker(start_worker, policy_file: Path) -> WorkerProcess:
    return start_worker(1, env={"GUARDSTREAM_POLICY": str(policy_file)})


def test_a_tenant_override_changes_that_tenants_decisions_only(
    broker, worker: WorkerProcess, topic_prefix: str, policy_file: Path, tmp_path: Path
) -> None:
    requests = {t: Request.new(CARD_TEXT, tenant=t) for t in ("strict-bank", "masking-shop", "anyone")}
    catalogue = catalogue_for(topic_prefix, 1)
    out = guard_through_worker(broker.bootstrap_servers, catalogue, list(requests.values()), worker)
    audits = {a["tenant"]: a for a in out.audits}
    base_version = yaml.safe_load(policy_file.read_text())["version"]

    assert audits["strict-bank"]["decision"] == "block" and audits["strict-bank"]["reasons"] == [
        "pii.block:CREDIT_CARD"
    ]
    assert audits["masking-shop"]["decision"] == "redact" and audits["anyone"]["decision"] == "redact"
    assert audits["strict-bank"]["versions"]["policy"] == f"{base_version}+strict-bank"
    assert audits["anyone"]["versions"]["policy"] == base_version
    forwarded = {b["tenant"]: b for b in out.by_topic[catalogue.route("card-declined").name]}
    assert forwarded["anyone"]["text"] == "my card <CREDIT_CARD> was declined, can you help"
    assert "4111" not in forwarded["masking-shop"]["text"] and "*" in forwarded["masking-shop"]["text"]

    # classify --tenant applies the same policy
    env = {**os.environ, "GUARDSTREAM_POLICY": str(policy_file)}
    for tenant, decision in [("strict-bank", "block"), ("anyone", "redact")]:
        result = subprocess.run(
            [sys.executable, "-m", "guardstream", "classify", CARD_TEXT, "--tenant", tenant],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        row = json.loads(result.stdout)
        assert row["decision"] == decision and row["model_versions"]["policy"] == audits[tenant]["versions"]["policy"]
