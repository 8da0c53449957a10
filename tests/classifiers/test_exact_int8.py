"""The runtime's int8 arithmetic is exact on every x86 CPU, not only on those with VNNI.

ORT's fast u8s8 kernels on CPUs without VNNI add pairs of int8 products in int16 and saturate; the committed
bundle then decided differently on such a CPU than on the one that evaluated it (``classifiers.inference
.session_options``). The reference here is the same QDQ graph with ORT's graph optimisations off: every
DequantizeLinear runs on its own and the MatMuls run in fp32 on the dequantized values, which is exact int8
arithmetic on any CPU. On an AVX2-only CPU the saturating kernels missed it by up to 0.155 in a safety
probability and 0.66 in an intent logit on these texts; the exact ones by 0.041 and 0.11 (fusions of the
surrounding fp32 ops round differently). On a VNNI CPU both read alike and the test still checks the runtime.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from guardstream.classifiers.inference import X64_QUANT_PRECISION, GuardModel, session_options
from guardstream.classifiers.training.data import harmful, intent
from guardstream.classifiers.training.data.common import data_dir

pytestmark = [pytest.mark.model, pytest.mark.data]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    root = data_dir(None)
    if not (root / "xstest").exists():
        pytest.skip(f"datasets missing at {root} (set GUARDSTREAM_DATA)")
    # short prompts with alarming words, long harmful requests and CLINC utterances: every head is exercised
    rows = harmful.load_xstest(root) + harmful.load_harmbench(root) + intent.load_clinc(root, "val")[:1000]
    return [r.text for r in rows]


def _reference(bundle_dir: Path) -> GuardModel:
    model = GuardModel.load(bundle_dir, intra_op_threads=2)
    opts = session_options()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    model._session = ort.InferenceSession(
        str(bundle_dir / model.manifest.model_file), opts, providers=["CPUExecutionProvider"]
    )
    return model


def test_session_options_ask_for_exact_int8_unless_told_not_to() -> None:
    assert session_options().get_session_config_entry(X64_QUANT_PRECISION) == "1"
    with pytest.raises(RuntimeError, match="does not have configuration"):
        session_options(exact_int8=False).get_session_config_entry(X64_QUANT_PRECISION)


def test_loaded_bundle_matches_exact_int8_arithmetic(bundle_dir: Path, texts: list[str]) -> None:
    safety_ref, logits_ref = _reference(bundle_dir).scores_and_intent_logits(texts)
    safety, logits = GuardModel.load(bundle_dir, intra_op_threads=2).scores_and_intent_logits(texts)
    assert np.abs(safety - safety_ref).max() < 0.08
    assert np.abs(logits - logits_ref).max() < 0.3
    assert (logits.argmax(axis=1) == logits_ref.argmax(axis=1)).mean() >= 0.999
