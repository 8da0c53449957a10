"""``guardstream classify`` and the worker decide alike: same decision, route and forwarded content.

The same requests go through ``classify --file`` (offline) and through a real worker on the embedded broker;
for every request the decision, the reasons, the route and the text (or chat turns) it carries must be
identical, so the command people use to try a policy shows exactly what the LLM would receive.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from guardstream.pipeline.demo import load_sample_stream
from guardstream.pipeline.request_lines import request_from_line
from guardstream.topics import Request, encode
from tests.harness import WorkerProcess, catalogue_for, guard_through_worker
from tests.traffic import build_traffic

pytestmark = [pytest.mark.broker, pytest.mark.model]

PARTITIONS = 2
EXTRA = Path(__file__).parent / "data" / "decision_paths.jsonl"


def _requests() -> list[Request]:
    """Mixed traffic: benign, PII, attacks, chats (PII across turns and roles), DATE_TIME, out of scope."""
    requests = list(build_traffic().requests)
    requests += [request_from_line(s.payload, "demo") for s in load_sample_stream() if s.tenant is not None]
    requests += [request_from_line(line, "default") for line in EXTRA.read_bytes().splitlines() if line.strip()]
    return requests


@pytest.fixture
def worker(start_worker) -> WorkerProcess:
    return start_worker(PARTITIONS)


def _classified(requests: list[Request], tmp_path: Path) -> dict[str, dict]:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b"".join(encode(r) + b"\n" for r in requests))
    result = subprocess.run(
        [sys.executable, "-m", "guardstream", "classify", "--file", str(path)],
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    return {row["id"]: row for row in rows}


def test_classify_and_the_worker_take_the_same_decisions(
    broker, worker: WorkerProcess, topic_prefix: str, tmp_path: Path
) -> None:
    requests = _requests()
    assert len(requests) >= 200 and len({r.id for r in requests}) == len(requests)
    offline = _classified(requests, tmp_path)
    assert set(offline) == {r.id for r in requests}

    catalogue = catalogue_for(topic_prefix, PARTITIONS)
    out = guard_through_worker(broker.bootstrap_servers, catalogue, requests, worker, timeout_s=240)
    audits = {a["request_id"]: a for a in out.audits}
    outputs = {body["id"]: body for topic in out.primary_topics for body in out.by_topic.get(topic, [])}
    assert set(outputs) == set(offline)

    mismatches = []
    for request in requests:
        mine, body, audit = offline[request.id], outputs[request.id], audits[request.id]
        live = {
            "decision": audit["decision"],
            "reasons": audit["reasons"],
            "route": audit["route"],
            "text": body.get("text"),
            "messages": body.get("messages"),
        }
        seen = {
            "decision": mine["decision"],
            "reasons": mine["reasons"],
            "route": mine["route"],
            "text": mine["redacted_text"],
            "messages": mine["redacted_messages"],
        }
        if live != seen:
            mismatches.append((request.id, {k: (seen[k], live[k]) for k in live if seen[k] != live[k]}))
    assert not mismatches, f"{len(mismatches)} of {len(requests)} differ, e.g. {mismatches[:3]}"

    # the mix covers what the two paths used to disagree on
    decisions = Counter(row["decision"] for row in offline.values())
    assert {"allow", "redact", "block", "escalate"} <= set(decisions), decisions
    assert sum(r.messages is not None for r in requests) >= 8
    assert any(p["type"] == "DATE_TIME" for row in offline.values() for p in row["pii"])
    assert any(not row["intent"]["in_scope"] for row in offline.values())
    chats = [row for row in offline.values() if row["redacted_messages"] and row["decision"] == "redact"]
    assert chats, "a redacted chat must be in the mix"
