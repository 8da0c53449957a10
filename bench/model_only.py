"""Model-only throughput: the guard's code paths per task and all together, no Kafka.

One encoder pass serves all three tasks, so the per-task rows differ only in what runs around it:
- intent: the ONNX pass (windows, length-sorted batches) and the intent head's decision;
- safety: the same pass over the message AND its evasion variants (decoded base64/hex/rot13, folded unicode);
- pii: the pass plus the pattern recognizers and the span merge;
- all: ``Guard.classify``, exactly what the worker calls.

Counts the padded tokens every ONNX batch carried so the report can state the int8 work done per second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from guardstream.classifiers.guard import MODEL_PII_TYPES, Guard
from guardstream.classifiers.normalize import labelled_variants
from guardstream.classifiers.pii import PiiSpan, merge_spans

TASKS = ("intent", "safety", "pii", "all")


class _CountingSession:
    """Wraps the ORT session to count rows and padded tokens per run (cheap: shapes only)."""

    def __init__(self, session: object):
        self._session = session
        self.tokens = 0
        self.rows = 0
        self.attention_cells = 0

    def run(self, names, feed):
        rows, width = feed["input_ids"].shape
        self.rows += rows
        self.tokens += rows * width
        self.attention_cells += rows * width * width
        return self._session.run(names, feed)

    def __getattr__(self, name: str) -> object:
        return getattr(self._session, name)


@dataclass
class Result:
    task: str
    mix: str
    threads: int
    msgs_per_s: float
    p50_batch_ms: float
    p99_batch_ms: float
    batch_size: int
    messages: int
    tokens_per_msg: float
    rows_per_msg: float
    attention_cells_per_msg: float


def task_function(guard: Guard, task: str) -> Callable[[Sequence[str]], object]:
    model, registry = guard.model, guard.recognizers
    if task == "intent":
        return lambda texts: [(v.intent, v.in_scope) for v in model.predict(texts)]
    if task == "safety":

        def safety(texts: Sequence[str]) -> list[dict[str, float]]:
            extra = [v.text for t in texts for v in labelled_variants(t)]
            return [v.safety for v in model.predict([*texts, *extra])]

        return safety
    if task == "pii":

        def pii(texts: Sequence[str]) -> list[list[PiiSpan]]:
            out = []
            for text, mv in zip(texts, model.predict(texts), strict=True):
                spans = [PiiSpan(s.start, s.end, s.type, s.score, "model") for s in mv.pii if s.type in MODEL_PII_TYPES]
                out.append(merge_spans(registry.analyze(text), spans))
            return out

        return pii
    if task == "all":
        return guard.classify
    raise ValueError(task)


def measure(
    guard: Guard, task: str, texts: Sequence[str], *, mix: str, threads: int, batch_size: int, min_seconds: float
) -> Result:
    """Run ``texts`` in batches of ``batch_size`` (repeating the list until ``min_seconds`` have passed)."""
    fn = task_function(guard, task)
    counter = _CountingSession(guard.model._session)
    guard.model._session = counter  # type: ignore[assignment]
    try:
        batches = _batches(texts, batch_size)
        _warm_up(fn, batches)
        counter.tokens = counter.rows = counter.attention_cells = 0
        done, elapsed, latencies = _run_for(fn, batches, min_seconds)
    finally:
        guard.model._session = counter._session  # type: ignore[assignment]
    lat = np.asarray(latencies) * 1000
    return Result(
        task=task,
        mix=mix,
        threads=threads,
        msgs_per_s=done / elapsed,
        p50_batch_ms=float(np.percentile(lat, 50)),
        p99_batch_ms=float(np.percentile(lat, 99)),
        batch_size=batch_size,
        messages=done,
        tokens_per_msg=counter.tokens / done,
        rows_per_msg=counter.rows / done,
        attention_cells_per_msg=counter.attention_cells / done,
    )


def _batches(texts: Sequence[str], batch_size: int) -> list[list[str]]:
    return [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]


def _warm_up(fn: Callable[[Sequence[str]], object], batches: list[list[str]]) -> None:
    for b in batches[:2]:
        fn(b)  # ORT allocates its arena on the first shapes


def _run_for(
    fn: Callable[[Sequence[str]], object], batches: list[list[str]], min_seconds: float
) -> tuple[int, float, list[float]]:
    """Whole passes over ``batches`` until ``min_seconds`` have passed: (messages, seconds, per-batch seconds)."""
    latencies: list[float] = []
    done = 0
    start = time.perf_counter()
    while True:
        for b in batches:
            t0 = time.perf_counter()
            fn(b)
            latencies.append(time.perf_counter() - t0)
            done += len(b)
        if time.perf_counter() - start >= min_seconds:
            break
    return done, time.perf_counter() - start, latencies


def int8_ops_per_token(hidden: int = 384, intermediate: int = 1536, layers: int = 3) -> int:
    """Integer ops (2 per multiply-add) of the weight MatMuls, which are the int8 GEMMs, per token."""
    return 2 * layers * (4 * hidden * hidden + 2 * hidden * intermediate)


def attention_ops_per_cell(hidden: int = 384, layers: int = 3) -> int:
    """fp32 ops of QK^T and attention x V per (query, key) pair: they stay fp32 in our graph."""
    return 2 * 2 * layers * hidden


def _process_worker(task: str, texts: list[str], batch_size: int, min_seconds: float, barrier, results) -> None:
    fn = task_function(Guard.load(intra_op_threads=1), task)
    batches = _batches(texts, batch_size)
    _warm_up(fn, batches)
    barrier.wait()
    done, elapsed, _ = _run_for(fn, batches, min_seconds)
    results.put((done, elapsed))


def measure_processes(
    task: str, texts: Sequence[str], *, mix: str, processes: int, batch_size: int, min_seconds: float
) -> dict[str, object]:
    """``processes`` single-threaded guards side by side (how deploy/ runs one worker per core): summed msgs/s.

    Why: one process with two ONNX threads is held back by the GIL around the runs (tokenizing, recognizers,
    verdicts); separate processes share nothing but the CPU.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(task, list(texts), batch_size, min_seconds, barrier, results))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    counts = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    return {
        "task": task,
        "mix": mix,
        "threads": processes,
        "processes": processes,
        "msgs_per_s": sum(done / elapsed for done, elapsed in counts),
        "messages": sum(done for done, _ in counts),
        "batch_size": batch_size,
    }
