"""Links every audit record a worker writes into a hash chain, one chain per audit partition.

Why per writer run and partition: Kafka keeps order within a partition, and aiokafka sends one
batch per partition at a time, so what one writer appends to one partition arrives as a prefix of
what it sent, even when the process is killed mid-batch. A chain spread over partitions would show
false gaps after a crash; a chain shared by two workers cannot be ordered at all. A restarted worker
starts new chains (a fresh run id) instead of guessing where its predecessor stopped, so a crash
never breaks verification; re-sent records are the same bytes and read back as re-deliveries.

The signer picks each audit record's partition itself (murmur2 of the request id, as Kafka's own
default partitioner would), because the link must name the partition it is appended to.
"""

from __future__ import annotations

import os
import secrets
import socket

import orjson
from aiokafka.partitioner import murmur2

from guardstream.topics import AuditRecord
from guardstream.topics.audit_chain import link_mac


def default_writer_id() -> str:
    """Host and process: unique among the workers of a deployment (a pod name is the host in Kubernetes)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class AuditSigner:
    """Turns audit records into chained bytes; not thread-safe (the processor runs one batch at a time)."""

    def __init__(self, partitions: int, key: bytes | None = None, writer_id: str | None = None) -> None:
        if partitions < 1:
            raise ValueError(f"the audit topic needs at least one partition, got {partitions}")
        self.partitions = partitions
        self._key = key or None
        self.alg = "hmac-sha256" if self._key else "sha256"
        # A new run id per start: chains never continue across restarts, so no state has to survive one.
        self.run_id = f"{writer_id or default_writer_id()}.{secrets.token_hex(4)}"
        self._next: dict[int, tuple[int, str | None]] = {}  # partition -> (next seq, previous mac)
        self.signed = 0

    @property
    def keyed(self) -> bool:
        return self._key is not None

    def partition_for(self, key: bytes) -> int:
        return (murmur2(key) & 0x7FFFFFFF) % self.partitions

    def sign(self, record: AuditRecord, key: bytes) -> tuple[int, bytes]:
        """The partition to send ``record`` to and its bytes, with this writer's next link for that partition."""
        partition = self.partition_for(key)
        seq, prev = self._next.get(partition, (0, None))
        body = record.model_dump(mode="json")
        body["chain"] = {
            "chain": f"{self.run_id}/{partition}",
            "partition": partition,
            "seq": seq,
            "prev": prev,
            "alg": self.alg,
        }
        mac = link_mac(body, self._key)
        body["chain"]["mac"] = mac
        self._next[partition] = (seq + 1, mac)
        self.signed += 1
        return partition, orjson.dumps(body)
