"""The audit hash chain: what ``verify_trail`` accepts and what it catches, on records the real signer wrote.

Kafka cannot delete or move single records, so edits that need a rewritten topic (dropped, reordered)
are checked here on the (partition, offset, bytes) triples a reader returns; the real-broker tests
(tests/e2e/test_audit_trail.py, tests/reliability/test_crash_restart.py) check real trails.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from guardstream.pipeline.audit_signing import AuditSigner
from guardstream.topics import AuditRecord, Decision, ModelVersions, PiiSummary, SourcePosition
from guardstream.topics.audit_chain import verify_trail

KEY = b"k" * 32
Message = tuple[int, int, bytes | None]


def _record(i: int, decision: Decision = Decision.ALLOW) -> AuditRecord:
    return AuditRecord(
        request_id=f"r{i}",
        tenant="acme",
        decision=decision,
        reasons=[],
        output_topic="guardstream.llm.general",
        route="general",
        pii=PiiSummary(),
        versions=ModelVersions(model="m", policy="p", recognizers="r"),
        timings_ms={"classify": 0.123456789 * i},
        source=SourcePosition(topic="guardstream.requests", partition=0, offset=i),
        text_chars=10 + i,
        processed_at=datetime(2026, 12, 8, 1, 2, 3, i, tzinfo=UTC),
    )


def _trail(n: int = 30, partitions: int = 3, key: bytes | None = KEY, writer: str = "w1") -> list[Message]:
    """What one writer appends: (partition, offset, bytes), offsets counted per partition."""
    signer = AuditSigner(partitions, key, writer)
    next_offset = dict.fromkeys(range(partitions), 0)
    out: list[Message] = []
    for i in range(n):
        partition, value = signer.sign(_record(i), f"r{i}".encode())
        out.append((partition, next_offset[partition], value))
        next_offset[partition] += 1
    return out


def _renumber(messages: list[Message]) -> list[Message]:
    """Offsets as a topic rewritten from these messages would give them."""
    counts: dict[int, int] = {}
    out = []
    for partition, _, value in messages:
        offset = counts.get(partition, 0)
        out.append((partition, offset, value))
        counts[partition] = offset + 1
    return out


def _in_partition(messages: list[Message], partition: int) -> list[int]:
    return [i for i, m in enumerate(messages) if m[0] == partition]


def test_an_untouched_trail_is_intact_and_the_link_names_partition_and_sequence() -> None:
    trail = _trail()
    report = verify_trail(trail, KEY)
    assert report.intact, [f.line() for f in report.findings]
    assert (report.records, report.chains, report.keyed) == (30, 3, 30)
    link = orjson.loads(trail[0][2])["chain"]
    assert link["partition"] == trail[0][0] and link["seq"] == 0 and link["prev"] is None
    assert link["alg"] == "hmac-sha256" and len(link["mac"]) == 64


def test_re_deliveries_of_the_same_records_are_tolerated() -> None:
    trail = _trail()
    resent = _renumber([*trail, *trail[10:14]])  # a batch re-sent after a crash or a failed ack
    report = verify_trail(resent, KEY)
    assert report.intact and report.redelivered == 4


def test_a_changed_record_is_named_by_partition_and_offset() -> None:
    trail = _trail()
    partition, offset, value = trail[7]
    body = orjson.loads(value)
    body["decision"] = "block"  # someone hides that a request was allowed
    trail[7] = (partition, offset, orjson.dumps(body))
    report = verify_trail(trail, KEY)
    assert not report.intact
    first = report.findings[0]
    assert (first.problem, first.partition, first.offset) == ("changed", partition, offset)


def test_a_record_forged_without_the_key_is_caught_and_a_wrong_key_fails_everything() -> None:
    trail = _trail()
    forged = _trail(n=1, key=b"not the key")[0]
    partition = forged[0]
    tampered = _renumber([*trail, forged])
    report = verify_trail(tampered, KEY)
    assert [f.problem for f in report.findings] == ["changed"]
    assert report.findings[0].partition == partition
    assert len(verify_trail(trail, b"another key").findings) == len(trail)


def test_a_dropped_record_is_named_where_the_gap_shows() -> None:
    trail = _trail()
    in_first = _in_partition(trail, trail[0][0])
    dropped = trail[in_first[3]]
    rewritten = _renumber([m for m in trail if m is not dropped])
    report = verify_trail(rewritten, KEY)
    assert [f.problem for f in report.findings] == ["dropped"]
    assert report.findings[0].partition == dropped[0] and report.findings[0].offset == 3
    assert "seq 3 missing" in report.findings[0].detail


def test_a_dropped_first_record_is_caught_unless_retention_removed_the_start() -> None:
    trail = _trail()
    partition = trail[0][0]
    rewritten = _renumber(trail[1:])
    assert [f.problem for f in verify_trail(rewritten, KEY).findings] == ["dropped"]
    assert verify_trail(rewritten, KEY, truncated_partitions=frozenset({partition})).intact


def test_reordered_records_are_caught() -> None:
    trail = _trail()
    first, second = _in_partition(trail, trail[0][0])[4:6]
    swapped = list(trail)
    swapped[first], swapped[second] = trail[second], trail[first]
    report = verify_trail(_renumber(swapped), KEY)
    assert [f.problem for f in report.findings] == ["reordered"]
    assert report.findings[0].offset == 5


def test_a_genuine_record_copied_into_another_partition_is_an_insertion() -> None:
    trail = _trail()
    partition, _, value = trail[0]
    other = (partition + 1) % 3
    report = verify_trail(_renumber([*trail, (other, 0, value)]), KEY)
    assert [f.problem for f in report.findings] == ["inserted"]
    assert report.findings[0].partition == other


def test_records_without_a_link_and_non_records_are_reported() -> None:
    trail = _trail()
    plain = (0, 0, orjson.dumps({**orjson.loads(trail[0][2]), "chain": None}))
    report = verify_trail(_renumber([*trail, plain, (1, 0, b"not json")]), KEY)
    assert sorted(f.problem for f in report.findings) == ["unchained", "undecodable"]


def test_two_writers_on_the_same_partitions_keep_separate_chains() -> None:
    a, b = _trail(writer="worker-a"), _trail(writer="worker-b")
    interleaved = _renumber([m for pair in zip(a, b, strict=True) for m in pair])
    report = verify_trail(interleaved, KEY)
    assert report.intact and report.chains == 6


@pytest.mark.parametrize("key", [None, KEY])
def test_unkeyed_chains_still_catch_accidents_and_keyed_ones_need_the_key(key: bytes | None) -> None:
    trail = _trail(key=key)
    if key is None:
        assert verify_trail(trail, None).intact
        partition, offset, value = trail[2]
        trail[2] = (partition, offset, value.replace(b'"allow"', b'"block"'))
        assert [f.problem for f in verify_trail(trail, None).findings] == ["changed"]
    else:
        report = verify_trail(trail, None)
        assert {f.problem for f in report.findings} == {"key_required"}
