"""At-least-once through crashes: kill -9 a worker mid-stream and check nothing is lost.

Every input must end up on exactly one kind of output (a worker route, blocked, escalation,
or dead-letter). A crash may re-deliver what was produced but not yet committed: such
duplicates must carry the same request id and land on the same topic, and are counted.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from guardstream.topics import Request, TopicCatalogue
from guardstream.topics.audit_chain import verify_trail
from tests.harness import Collected, WorkerProcess, catalogue_for, collect, create_topics, produce
from tests.traffic import BENIGN, INJECTIONS, luhn_complete

pytestmark = [pytest.mark.broker, pytest.mark.model]

PARTITIONS = 4
N_REQUESTS = 5000
N_MALFORMED = 40
AUDIT_KEY = "crash-test-audit-key"


def _stream(seed: int = 11, n: int = N_REQUESTS) -> tuple[list[Request], list[bytes]]:
    rng = random.Random(seed)
    requests = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.1:
            text = f"my card {luhn_complete('4', 16, rng)} was declined"
        elif roll < 0.13:
            text = rng.choice(INJECTIONS)
        else:
            text = rng.choice(BENIGN)
        requests.append(Request.new(text, id=f"c{i:05d}", tenant=rng.choice(["acme", "globex"])))
    malformed = [f'{{"id": "bad{i}", "tenant": "acme", "text": '.encode() for i in range(N_MALFORMED)]
    return requests, malformed


def _account(out: Collected, catalogue: TopicCatalogue, ids: set[str], dead: set[tuple[int, int]]) -> dict:
    topics_by_id: dict[str, set[str]] = defaultdict(set)
    deliveries: dict[str, int] = defaultdict(int)
    for topic in out.primary_topics - {catalogue.dead_letter.name}:
        for body in out.by_topic.get(topic, []):
            topics_by_id[body["id"]].add(topic)
            deliveries[body["id"]] += 1
    dead_counts = out.dead_positions()
    return {
        "missing": sorted(ids - set(topics_by_id)),
        "unexpected": sorted(set(topics_by_id) - ids),
        "split": sorted(i for i, t in topics_by_id.items() if len(t) > 1),
        "duplicates": sum(n - 1 for n in deliveries.values()) + sum(n - 1 for n in dead_counts.values()),
        "dead_missing": sorted(dead - set(dead_counts)),
    }


async def _group_members(bootstrap: str, group: str, timeout_s: float = 60) -> int:
    """Members of the consumer group once it is stable (so the kill forces a real rebalance)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        members = 0
        while asyncio.get_running_loop().time() < deadline:
            described = (await admin.describe_consumer_groups([group]))[0].to_object()["groups"][0]
            members = len(described["members"])
            if described["state"] == "Stable" and members > 1:
                return members
            await asyncio.sleep(0.5)
        return members
    finally:
        await admin.close()


def _all_accounted(ids: set[str], dead: set[tuple[int, int]]):
    def done(c: Collected) -> bool:
        return len(c.primary_ids()) >= len(ids) and len(c.dead_positions()) >= len(dead)

    return done


def _run(broker, prefix: str, tmp_path: Path, workers: int, graceful: bool = False) -> dict:
    bootstrap = broker.bootstrap_servers
    catalogue = catalogue_for(prefix, PARTITIONS)
    create_topics(bootstrap, catalogue)
    requests, malformed = _stream()
    keyed = {"GUARDSTREAM_AUDIT_KEY": AUDIT_KEY}
    procs = [
        WorkerProcess(bootstrap, prefix, PARTITIONS, tmp_path / f"worker{i}.log", extra_env=keyed).start()
        for i in range(workers)
    ]
    positions = asyncio.run(produce(bootstrap, catalogue.requests.name, requests, malformed))
    ids = {r.id for r in requests}
    dead = set(positions)
    victim = procs[0]
    if workers > 1:
        members = asyncio.run(_group_members(bootstrap, f"guardstream-{prefix}"))
        assert members == workers, f"expected {workers} group members before the kill, saw {members}"
    # wait until the victim is mid-stream, then kill it without any chance to commit
    asyncio.run(collect(bootstrap, catalogue, lambda c: len(c.audits) >= 1500, 240, alive=lambda: victim.alive))
    assert victim.alive, victim.log_text()[-3000:]
    if graceful:
        victim.stop()  # SIGTERM: faust cancels the agent mid-batch and commits on the way out
    else:
        victim.kill_hard()
    survivors = procs[1:] or [
        WorkerProcess(bootstrap, prefix, PARTITIONS, tmp_path / "restarted.log", extra_env=keyed).start()
    ]
    try:
        out = asyncio.run(
            collect(bootstrap, catalogue, _all_accounted(ids, dead), 300, alive=lambda: all(w.alive for w in survivors))
        )
        assert all(w.alive for w in survivors), survivors[0].log_text()[-3000:]
    finally:
        for w in survivors:
            w.stop()
    result = _account(out, catalogue, ids, dead)
    result["audits"] = len(out.audits)
    # the audit trail the crashed and the surviving writers left must verify: no false gap, no broken link
    trail = verify_trail(out.positions_by_topic[catalogue.audit.name], AUDIT_KEY.encode())
    result["chain_findings"] = [f.line() for f in trail.findings[:5]]
    result["chains"] = trail.chains
    return result


def test_kill_9_and_restart_loses_nothing(broker, bundle_dir: Path, topic_prefix: str, tmp_path: Path) -> None:
    result = _run(broker, topic_prefix, tmp_path, workers=1)
    print(f"crash + restart: {result['duplicates']} re-deliveries of {N_REQUESTS + N_MALFORMED} inputs")
    assert result["missing"] == [] and result["dead_missing"] == []
    assert result["unexpected"] == [] and result["split"] == []
    assert result["audits"] >= N_REQUESTS + N_MALFORMED
    assert result["chain_findings"] == [] and result["chains"] > PARTITIONS  # the crashed run and the restarted one
    # offsets really were committed before the crash: a restart must not replay everything
    assert result["duplicates"] < 1500


def test_rebalance_when_one_of_two_workers_dies(broker, bundle_dir: Path, topic_prefix: str, tmp_path: Path) -> None:
    result = _run(broker, topic_prefix, tmp_path, workers=2)
    print(f"rebalance: {result['duplicates']} re-deliveries of {N_REQUESTS + N_MALFORMED} inputs")
    assert result["missing"] == [] and result["dead_missing"] == []
    assert result["unexpected"] == [] and result["split"] == []
    assert result["audits"] >= N_REQUESTS + N_MALFORMED
    assert result["chain_findings"] == [] and result["chains"] > PARTITIONS  # two writers, one killed


def test_sigterm_mid_batch_then_restart_loses_nothing(
    broker, bundle_dir: Path, topic_prefix: str, tmp_path: Path
) -> None:
    result = _run(broker, topic_prefix, tmp_path, workers=1, graceful=True)
    print(f"sigterm + restart: {result['duplicates']} re-deliveries of {N_REQUESTS + N_MALFORMED} inputs")
    assert result["missing"] == [] and result["dead_missing"] == []
    assert result["unexpected"] == [] and result["split"] == []
    assert result["chain_findings"] == []
