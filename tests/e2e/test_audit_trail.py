"""Shadow policy, ``audit diff``, ``replay``, ``audit verify`` and ``audit report`` on a real trail.

One worker on the embedded broker runs the packaged policy live and a stricter candidate (PII blocks)
as its shadow, with an audit key. Then, through the real command line: the shadow shows up in every
audit record and in ``audit diff``; ``replay`` of the same requests with the same candidate reports
exactly the requests the shadow flagged; ``audit verify`` passes on the untouched trail and fails,
naming the place, on copies of it with one record changed, inserted, dropped or reordered; the HTML
report renders in headless Chromium.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
import yaml
from aiokafka import AIOKafkaProducer

from guardstream.topics import Request
from tests.harness import (
    Collected,
    WorkerProcess,
    catalogue_for,
    create_topics,
    guard_through_worker,
)
from tests.traffic import BENIGN, INJECTIONS, luhn_complete

pytestmark = [pytest.mark.broker, pytest.mark.model]

ROOT = Path(__file__).resolve().parents[2]
AUDIT_KEY = "test-audit-key-" + "x" * 24
PARTITIONS = 2


@dataclass
class Trail:
    bootstrap: str
    prefix: str
    requests: list[Request]
    requests_file: Path
    candidate: Path
    collected: Collected
    tmp: Path

    def cli(self, *args: str, prefix: str | None = None, key: str | None = AUDIT_KEY) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "GUARDSTREAM_KAFKA_BOOTSTRAP": self.bootstrap,
            "GUARDSTREAM_TOPIC_PREFIX": prefix or self.prefix,
            "GUARDSTREAM_TOPICS__PARTITIONS": str(PARTITIONS),
        }
        env.pop("GUARDSTREAM_AUDIT_KEY", None)
        if key is not None:
            env["GUARDSTREAM_AUDIT_KEY"] = key
        return subprocess.run(
            [sys.executable, "-m", "guardstream", *args], capture_output=True, text=True, env=env, timeout=300
        )

    @property
    def card_numbers(self) -> set[str]:
        return {m for r in self.requests for m in re.findall(r"\d{16}", r.text or "")}

    @property
    def audit_messages(self) -> list[tuple[int, int, bytes]]:
        return self.collected.positions_by_topic[catalogue_for(self.prefix, PARTITIONS).audit.name]


def _requests() -> list[Request]:
    import random

    rng = random.Random(5)
    out = [Request.new(text, id=f"b{i:03d}", tenant="acme") for i, text in enumerate(BENIGN[:30])]
    out += [Request.new(text, id=f"inj{i}", tenant="acme") for i, text in enumerate(INJECTIONS)]
    out += [
        Request.new(f"my card {luhn_complete('4', 16, rng)} was declined", id=f"card{i:02d}", tenant=tenant)
        for i, tenant in enumerate(["acme", "globex"] * 6)
    ]
    return out


@pytest.fixture(scope="module")
def trail(broker, bundle_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trail]:
    tmp = tmp_path_factory.mktemp("audit-trail")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    policy = yaml.safe_load((ROOT / "pipeline" / "data" / "default_policy.yaml").read_text())
    policy["version"] = "strict-candidate-1"
    policy["pii"]["action"] = "block"
    candidate = tmp / "candidate.yaml"
    candidate.write_text(yaml.safe_dump(policy))
    requests = _requests()
    requests_file = tmp / "requests.jsonl"
    requests_file.write_text("".join(r.model_dump_json() + "\n" for r in requests))
    catalogue = catalogue_for(prefix, PARTITIONS)
    create_topics(broker.bootstrap_servers, catalogue)
    worker = WorkerProcess(
        broker.bootstrap_servers,
        prefix,
        PARTITIONS,
        tmp / "worker.log",
        extra_env={"GUARDSTREAM_AUDIT_KEY": AUDIT_KEY, "GUARDSTREAM_SHADOW_POLICY": str(candidate)},
    ).start()
    try:
        collected = guard_through_worker(broker.bootstrap_servers, catalogue, requests, worker)
    finally:
        worker.stop()
    assert AUDIT_KEY not in worker.log_text()  # the secret is never logged
    yield Trail(broker.bootstrap_servers, prefix, requests, requests_file, candidate, collected, tmp)


def test_every_audit_record_carries_the_shadow_decision_and_a_keyed_link(trail: Trail) -> None:
    audits = {a["request_id"]: a for a in trail.collected.audits}
    assert set(audits) == {r.id for r in trail.requests}
    for audit in audits.values():
        assert audit["shadow"]["policy"] == "strict-candidate-1"
        assert audit["chain"]["alg"] == "hmac-sha256"
    # the candidate blocks PII: the live decision stays redact (it routes), the shadow says block
    card = audits["card00"]
    assert (card["decision"], card["shadow"]["decision"]) == ("redact", "block")
    assert card["shadow"]["reasons"] == ["pii.block:CREDIT_CARD"]
    # exactly the requests live redacted are the ones the candidate would block; the rest agree
    differing = {i for i, a in audits.items() if a["shadow"]["decision"] != a["decision"]}
    assert differing == {i for i, a in audits.items() if a["decision"] == "redact"}
    assert {f"card{i:02d}" for i in range(12)} <= differing < set(audits)
    # the shadow had no effect on routing: the card requests were forwarded, redacted
    forwarded = {
        b["id"]
        for s in catalogue_for(trail.prefix, PARTITIONS).route_specs
        for b in trail.collected.by_topic.get(s.name, [])
    }
    assert {f"card{i:02d}" for i in range(12)} <= forwarded


def test_audit_diff_and_replay_name_the_same_changed_requests(trail: Trail) -> None:
    diff = trail.cli("audit", "diff", "--json", "--idle", "2")
    assert diff.returncode == 0, diff.stderr
    shadow = json.loads(diff.stdout)
    redacted = [a for a in trail.collected.audits if a["decision"] == "redact"]
    assert shadow["compared"] == len(trail.requests)
    assert shadow["by_decision"] == {"redact -> block": len(redacted)}
    assert shadow["by_tenant"]["globex"] == 6 and sum(shadow["by_tenant"].values()) == len(redacted)
    assert shadow["reasons_added"]["pii.block:CREDIT_CARD"] == 12
    assert set(shadow["examples"]["redact -> block"]) <= {a["request_id"] for a in redacted}
    assert not any(number in diff.stdout for number in trail.card_numbers)  # ids and codes, never text

    replay = trail.cli(
        "replay", "--file", str(trail.requests_file), "--policy", str(trail.candidate), "--json", "--idle", "2"
    )
    assert replay.returncode == 0, replay.stderr
    backtest = json.loads(replay.stdout)
    assert backtest["compared_with"] == {"audit": len(trail.requests), "live_offline": 0}
    assert backtest["by_decision"] == shadow["by_decision"]
    assert backtest["changed_rate"] == pytest.approx(len(redacted) / len(trail.requests), abs=1e-6)
    assert backtest["candidate"]["policy"] == "strict-candidate-1"
    gate = trail.cli(
        "replay",
        "--file",
        str(trail.requests_file),
        "--policy",
        str(trail.candidate),
        "--json",
        "--idle",
        "2",
        "--max-changed-rate",
        "0.05",
    )
    assert gate.returncode == 1  # a CI gate: more than 5% of decisions would change
    same = trail.cli("replay", "--from-topic", "--json", "--idle", "2")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["changed"] == 0  # the live policy replayed changes nothing


def test_audit_verify_passes_on_the_untouched_trail_and_needs_the_key(trail: Trail) -> None:
    ok = trail.cli("audit", "verify", "--idle", "2", "--metrics-file", str(trail.tmp / "verify.prom"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "audit trail intact" in ok.stdout and f"{len(trail.requests)} records" in ok.stdout
    metrics = (trail.tmp / "verify.prom").read_text()
    assert "guardstream_audit_verify_intact 1.0" in metrics
    assert AUDIT_KEY not in ok.stdout + ok.stderr
    assert trail.cli("audit", "verify", "--idle", "2", key=None).returncode == 2
    wrong = trail.cli("audit", "verify", "--idle", "2", key="not-the-key")
    assert wrong.returncode == 1 and "changed" in wrong.stdout


def _copy_trail(bootstrap: str, messages: list[tuple[int, int, bytes]]) -> str:
    """Write ``messages`` in order to the audit topic of a fresh prefix (a rewritten copy of the topic)."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    create_topics(bootstrap, catalogue_for(prefix, PARTITIONS))

    async def write() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for partition, _, value in messages:
                await producer.send_and_wait(f"{prefix}.audit", value, partition=partition)
        finally:
            await producer.stop()

    asyncio.run(write())
    return prefix


def _offset_in_partition(messages: list[tuple[int, int, bytes]], index: int) -> int:
    return sum(1 for m in messages[:index] if m[0] == messages[index][0])


@pytest.mark.parametrize("edit", ["changed", "inserted", "dropped", "reordered"])
def test_audit_verify_names_the_first_edited_place(trail: Trail, edit: str) -> None:
    messages = sorted(trail.audit_messages)
    in_zero = [i for i, m in enumerate(messages) if m[0] == 0]
    target = in_zero[5]
    if edit == "changed":
        body = orjson.loads(messages[target][2])
        body["decision"] = "allow" if body["decision"] != "allow" else "block"
        messages[target] = (0, 0, orjson.dumps(body))
        expected = (0, 5)
    elif edit == "inserted":
        forged = orjson.loads(messages[target][2])
        forged["request_id"] = "never-sent"
        messages.insert(target, (0, 0, orjson.dumps(forged)))
        expected = (0, 5)
    elif edit == "dropped":
        del messages[target]
        expected = (0, 5)  # the record after the gap now sits at offset 5
    else:
        messages[target], messages[in_zero[6]] = messages[in_zero[6]], messages[target]
        expected = (0, 6)  # seq 5 now comes after seq 6
    prefix = _copy_trail(trail.bootstrap, messages)
    result = trail.cli("audit", "verify", "--idle", "2", prefix=prefix)
    assert result.returncode == 1, result.stdout
    assert f"BROKEN at partition {expected[0]} offset {expected[1]}" in result.stdout
    assert f"{edit if edit != 'inserted' else 'changed'}:" in result.stdout


def test_the_audit_report_renders_in_headless_chromium(trail: Trail) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    report = trail.tmp / "report.html"
    made = trail.cli("audit", "report", "--out", str(report), "--idle", "2")
    assert made.returncode == 0, made.stderr
    page = report.read_text()
    # self-contained: nothing to fetch, nothing to run
    assert not re.search(r"<script|<link|<img|(?:src|href)=[\"']https?:", page)
    assert trail.card_numbers and not any(number in page for number in trail.card_numbers)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={trail.tmp / 'chromium-profile'}",
    ]
    dom = subprocess.run([chromium, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for title in (
        "Decisions over time",
        "Decisions by tenant",
        "Top reasons",
        "PII types found",
        "Latency added per message",
        "Shadow vs live",
    ):
        assert title in dom.stdout
    assert dom.stdout.count("<svg") >= 7
    shot = trail.tmp / "report.png"
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=1200,2400", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from matplotlib.image import imread

    pixels = imread(shot)
    colours = {tuple(p) for p in pixels[::7, ::7, :3].reshape(-1, 3).round(2).tolist()}
    assert pixels.shape[0] >= 2000 and len(colours) > 20  # charts drawn, not a blank page
