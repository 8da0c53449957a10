"""The curated public API: what ``import guardstream`` offers, and that it imports lazily (as httpx tests)."""

from __future__ import annotations

import subprocess
import sys

import guardstream

PUBLIC = {
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
}


def test_all_names_the_public_api_and_each_resolves() -> None:
    assert set(guardstream.__all__) == PUBLIC
    for name in guardstream.__all__:
        member = getattr(guardstream, name)
        assert member is not None
        if name != "__version__":
            assert member.__module__.startswith("guardstream."), (name, member.__module__)


def test_unknown_names_raise_attribute_error() -> None:
    try:
        guardstream.NotAThing  # noqa: B018
    except AttributeError as error:
        assert "NotAThing" in str(error)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_the_contract_imports_without_the_models() -> None:
    """A producer imports ``guardstream.topics`` and must not pay for onnxruntime or the classifiers."""
    code = (
        "import sys, guardstream, guardstream.topics; "
        "heavy = [m for m in ('onnxruntime', 'tokenizers', 'guardstream.classifiers', 'guardstream.pipeline') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
