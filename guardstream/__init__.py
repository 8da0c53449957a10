"""guardstream: a streaming guardrail for LLM traffic on Kafka.

The one import name over three layers that live in their own folders of the repository:
``guardstream.topics`` (the contract: schemas, codecs, producer and audit-reader helpers),
``guardstream.classifiers`` (ONNX inference, normalization, PII recognizers; no Kafka) and
``guardstream.pipeline`` (the stream app: policy, decision, routing, audit, CLI).

The names below are the curated public API. They load on first use (PEP 562), so
``import guardstream.topics`` in a producer never pulls in onnxruntime, and ``guardstream --help``
stays fast.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("guardstream")
except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled checkout
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from guardstream.classifiers.guard import Guard, Verdict
    from guardstream.pipeline.decision import Decided, decide
    from guardstream.pipeline.policy import Policy
    from guardstream.topics import AuditReader, AuditRecord, ChatMessage, Decision, Request, RequestProducer

# public name -> module that defines it
_EXPORTS = {
    "AuditReader": "guardstream.topics",
    "AuditRecord": "guardstream.topics",
    "ChatMessage": "guardstream.topics",
    "Decided": "guardstream.pipeline.decision",
    "Decision": "guardstream.topics",
    "Guard": "guardstream.classifiers.guard",
    "Policy": "guardstream.pipeline.policy",
    "Request": "guardstream.topics",
    "RequestProducer": "guardstream.topics",
    "Verdict": "guardstream.classifiers.guard",
    "decide": "guardstream.pipeline.decision",
}

__all__ = [
    "AuditReader",
    "AuditRecord",
    "ChatMessage",
    "Decided",
    "Decision",
    "Guard",
    "Policy",
    "Request",
    "RequestProducer",
    "Verdict",
    "__version__",
    "decide",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'guardstream' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
