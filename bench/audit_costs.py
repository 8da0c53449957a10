"""What the audit chain and shadow evaluation cost the worker's guard step, as ratios measured in one run.

``python -m bench.audit_costs [--messages N] [--rounds R]`` runs ``Processor.process`` (parse, classify,
decide, redact, build every output and audit record: the worker's CPU work; Kafka I/O overlaps it) on the
short mix in batches of 128, for each variant in turn, round by round, and prints msgs/s and the ratio to
the baseline, which builds audit records as before (plain JSON, no chain link):

- chain sha256 / chain hmac: the hash-chain link on every audit record, without / with GUARDSTREAM_AUDIT_KEY
  (what every worker now does with shadow off);
- shadow policy: a candidate policy judged on the live scores, next to the live one;
- shadow policy + challenger: the same plus a challenger bundle (the packaged one, loaded a second time)
  scoring every batch again.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.workload import short_mix
from guardstream.classifiers.guard import Guard
from guardstream.classifiers.inference import DEFAULT_BUNDLE
from guardstream.pipeline.audit_signing import AuditSigner
from guardstream.pipeline.config import load_settings
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.processor import Processor, RawMessage
from guardstream.pipeline.runtime import build_guard, build_processor, build_shadow
from guardstream.pipeline.shadow import Shadow
from guardstream.topics import AuditRecord, encode

BATCH = 128


class PlainAudit(AuditSigner):
    """The audit record as before: JSON without a chain link, partition left to the producer."""

    def sign(self, record: AuditRecord, key: bytes) -> tuple[int, bytes]:
        return self.partition_for(key), encode(record)


def variants(threads: int) -> dict[str, Processor]:
    settings = load_settings(intra_op_threads=threads)
    guard = build_guard(settings)
    base = build_processor(settings, guard)
    partitions = base.catalogue.audit.partitions
    out: dict[str, Processor] = {}

    def variant(name: str, signer: AuditSigner, shadow: Shadow | None = None) -> None:
        processor = build_processor(settings, guard)
        processor.signer = signer
        processor.shadow = shadow
        out[name] = processor

    variant("audit without chain (before)", PlainAudit(partitions))
    variant("chain sha256", AuditSigner(partitions))
    variant("chain hmac", AuditSigner(partitions, b"k" * 32))
    variant("+ shadow policy", AuditSigner(partitions, b"k" * 32), _policy_shadow(guard))
    challenger = settings.model_copy(update={"shadow_model_dir": DEFAULT_BUNDLE})
    variant("+ shadow policy + challenger", AuditSigner(partitions, b"k" * 32), build_shadow(challenger, guard))
    return out


def _policy_shadow(guard: Guard) -> Shadow:
    """The packaged policy as the candidate: the cost does not depend on which rules it holds."""
    policy = Policy.load().bind(guard.operating_points, guard.intent_labels)
    return Shadow(policy=policy, model_version=guard.versions["model"])


def batches(n: int) -> list[list[RawMessage]]:
    raws = [
        RawMessage(value=encode(r), key=r.key(), topic="guardstream.requests", partition=0, offset=i)
        for i, r in enumerate(short_mix(n))
    ]
    return [raws[i : i + BATCH] for i in range(0, len(raws), BATCH)]


def measure(process: Callable[[list[RawMessage]], object], work: list[list[RawMessage]]) -> float:
    started = time.perf_counter()
    count = 0
    for batch in work:
        process(batch)
        count += len(batch)
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2560)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    processors = variants(args.threads)
    work = batches(args.messages)
    for processor in processors.values():  # warm-up: sessions, caches
        processor.process(work[0])
    rates: dict[str, list[float]] = {name: [] for name in processors}
    for _ in range(args.rounds):
        for name, processor in processors.items():
            rates[name].append(measure(processor.process, work))
    baseline = statistics.median(rates["audit without chain (before)"])
    print(f"Processor.process, short mix, {args.messages} msgs x {args.rounds} rounds, {args.threads} threads")
    print(f"{'variant':<32} {'msgs/s':>9} {'ratio':>7}")
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:<32} {rate:>9.0f} {rate / baseline:>7.3f}")


if __name__ == "__main__":
    main()
