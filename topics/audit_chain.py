"""The audit trail's hash chains: how a link is computed, and how a read-back trail is checked.

Both halves live in the contract package so that a compliance team can verify a trail with
``guardstream.topics`` alone, and so the writer and the verifier cannot disagree on the bytes:
a link's ``mac`` is taken over :func:`canonical_bytes` of the record as a JSON object (sorted keys,
no ``mac``), which the verifier rebuilds from the bytes it reads.

What verification can tell apart, per chain (one writer run, one partition):
- a record whose ``mac`` does not match its content: **changed** (or forged without the key);
- a gap in sequence numbers: **dropped**;
- sequence numbers out of offset order: **reordered**;
- a link whose ``prev`` is not its predecessor's ``mac``, or a record filed under another
  partition than the one it sits in: **inserted**.
The same record (same sequence number and ``mac``) read twice is a re-delivery: at-least-once
delivery re-sends after a crash or a failed acknowledgement, and that must not break the trail.
A chain that starts past sequence 0 is accepted only when its partition's first records are gone
(retention); it cannot be told from dropped records otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import orjson

GENESIS = None  # ``prev`` of a chain's first record
Problem = Literal["changed", "dropped", "reordered", "inserted", "unchained", "undecodable", "key_required"]


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """The bytes a link's ``mac`` covers: the record as JSON with sorted keys, ``chain.mac`` left out."""
    chain = record.get("chain")
    if isinstance(chain, dict) and "mac" in chain:
        record = {**record, "chain": {k: v for k, v in chain.items() if k != "mac"}}
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def link_mac(record: dict[str, Any], key: bytes | None) -> str:
    """HMAC-SHA256 with the audit key, or SHA-256 when there is none (``alg`` says which)."""
    body = canonical_bytes(record)
    if key:
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Finding:
    """One place where the trail is not what its writers wrote."""

    problem: Problem
    partition: int
    offset: int
    chain: str | None
    detail: str

    def line(self) -> str:
        where = f"partition {self.partition} offset {self.offset}"
        chain = f" (chain {self.chain})" if self.chain else ""
        return f"{self.problem}: {where}{chain}: {self.detail}"


@dataclass(slots=True)
class _Entry:
    offset: int
    seq: int
    prev: str | None
    mac: str
    authentic: bool = True  # False: reported as changed; it still holds its place so no false gap follows


@dataclass(slots=True)
class VerifyReport:
    """What ``verify_trail`` found: counts for the summary, findings in (partition, offset) order."""

    records: int = 0
    chains: int = 0
    redelivered: int = 0
    keyed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.findings:
            out[finding.problem] = out.get(finding.problem, 0) + 1
        return out


def verify_trail(
    messages: Iterable[tuple[int, int, bytes | None]],
    key: bytes | None,
    *,
    truncated_partitions: frozenset[int] = frozenset(),
) -> VerifyReport:
    """Check every chain in ``(partition, offset, value)`` messages (any order; sorted here).

    ``truncated_partitions`` are partitions whose first offset is past 0 (retention removed records),
    where a chain may legitimately start mid-way.
    """
    report = VerifyReport()
    chains: dict[tuple[str, int], list[_Entry]] = {}
    for partition, offset, value in sorted(messages, key=lambda m: (m[0], m[1])):
        report.records += 1
        entry = _read_entry(partition, offset, value, key, report)
        if entry is not None:
            chains.setdefault(entry[0], []).append(entry[1])
    report.chains = len(chains)
    for (name, partition), entries in chains.items():
        _check_chain(name, partition, entries, partition in truncated_partitions, report)
    report.findings.sort(key=lambda f: (f.partition, f.offset))
    return report


def _read_entry(
    partition: int, offset: int, value: bytes | None, key: bytes | None, report: VerifyReport
) -> tuple[tuple[str, int], _Entry] | None:
    def finding(problem: Problem, detail: str, chain: str | None = None) -> None:
        report.findings.append(Finding(problem, partition, offset, chain, detail))

    try:
        record = orjson.loads(value or b"")
        link = record["chain"]
    except (orjson.JSONDecodeError, TypeError, KeyError):
        finding("undecodable", "not an audit record")
        return None
    if not isinstance(link, dict):
        finding("unchained", "audit record without a chain link (written outside a worker, or inserted)")
        return None
    try:
        name, seq, prev, mac, alg = link["chain"], int(link["seq"]), link["prev"], link["mac"], link["alg"]
        linked_partition = int(link["partition"])
    except (KeyError, TypeError, ValueError):
        finding("undecodable", "malformed chain link")
        return None
    if alg == "hmac-sha256":
        report.keyed += 1
        if not key:
            finding("key_required", "keyed chain: set GUARDSTREAM_AUDIT_KEY to verify it", name)
            return None
    expected = link_mac(record, key if alg == "hmac-sha256" else None)
    if not hmac.compare_digest(expected, str(mac)):
        finding("changed", f"seq {seq}: content does not match its {alg} (changed, or written without the key)", name)
        return (name, partition), _Entry(offset, seq, prev, mac, authentic=False)
    if linked_partition != partition:
        finding("inserted", f"seq {seq} was written to partition {linked_partition}, found here", name)
        return None
    return (name, partition), _Entry(offset, seq, prev, mac)


def _check_chain(name: str, partition: int, entries: list[_Entry], truncated: bool, report: VerifyReport) -> None:
    """``entries`` are in offset order, each checked on its own; check their sequence and links."""

    def finding(problem: Problem, entry: _Entry, detail: str) -> None:
        report.findings.append(Finding(problem, partition, entry.offset, name, detail))

    first: dict[int, _Entry] = {}
    highest = -1
    for entry in entries:
        seen = first.get(entry.seq)
        if seen is not None:
            if not (seen.authentic and entry.authentic):
                continue  # already reported as changed
            if seen.mac == entry.mac:
                report.redelivered += 1  # the same record again: at-least-once re-send
            else:
                finding("inserted", entry, f"a second, different record with seq {entry.seq}")
            continue
        first[entry.seq] = entry
        if entry.seq < highest:
            finding("reordered", entry, f"seq {entry.seq} comes after seq {highest}")
        highest = max(highest, entry.seq)
    ordered = sorted(first.values(), key=lambda e: e.seq)
    start = ordered[0]
    if start.seq != 0 and not truncated:
        finding("dropped", start, f"the chain starts at seq {start.seq}: seq 0..{start.seq - 1} are missing")
    elif start.seq == 0 and start.prev is not GENESIS:
        finding("inserted", start, "seq 0 links to an earlier record")
    for before, entry in pairwise(ordered):
        if entry.seq != before.seq + 1:
            gap = (before.seq + 1, entry.seq - 1)
            missing = f"seq {gap[0]}" if gap[0] == gap[1] else f"seq {gap[0]}..{gap[1]}"
            finding("dropped", entry, f"{missing} missing before seq {entry.seq}")
        elif entry.prev != before.mac and before.authentic and entry.authentic:
            finding("inserted", entry, f"seq {entry.seq} does not link to seq {before.seq}")
