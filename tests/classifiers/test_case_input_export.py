"""A ``case_input`` model keeps its case ids through ONNX export and the runtime, and older graphs still load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="export needs the [train] extra (torch)")

from guardstream.classifiers.casing import CASE_INPUT  # noqa: E402
from guardstream.classifiers.inference import DEFAULT_BUNDLE, GuardModel, session_options  # noqa: E402
from guardstream.classifiers.training.export import export_fp32  # noqa: E402
from guardstream.classifiers.training.labels import PII_LABELS, SAFETY_LABELS  # noqa: E402
from guardstream.classifiers.training.model import GuardMultiTask  # noqa: E402


@pytest.fixture(scope="module")
def case_model() -> GuardMultiTask:
    torch.manual_seed(0)
    model = GuardMultiTask([0, 2, 4], len(SAFETY_LABELS), 5, len(PII_LABELS), case_input=True)
    with torch.no_grad():  # a trained model has moved type 1 away from type 0; an untrained one has not
        types = model.encoder.embeddings.token_type_embeddings.weight
        types[1].add_(0.5 * torch.randn(types.shape[1]))  # not a constant: the LayerNorm after it would remove it
    return model.eval()


def test_case_ids_start_as_a_no_op() -> None:
    torch.manual_seed(0)
    model = GuardMultiTask([0, 2, 4], len(SAFETY_LABELS), 5, len(PII_LABELS), case_input=True).eval()
    ids = torch.tensor([[101, 2198, 3044, 102]])
    att = torch.ones_like(ids)
    with torch.no_grad():
        plain = model(ids, att, torch.zeros_like(ids))
        cased = model(ids, att, torch.tensor([[0, 1, 1, 0]]))
    for a, b in zip(plain, cased, strict=True):
        assert torch.equal(a, b)


def test_exported_graph_reads_case_ids_and_matches_torch(case_model: GuardMultiTask, tmp_path: Path) -> None:
    path = export_fp32(case_model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask", CASE_INPUT]
    ids = np.array([[101, 2198, 3044, 2003, 102, 0]], np.int64)
    att = (ids != 0).astype(np.int64)
    lower = np.zeros_like(ids)
    upper = np.array([[0, 1, 1, 0, 0, 0]], np.int64)
    onnx_lower = session.run(["pii_logits"], {"input_ids": ids, "attention_mask": att, CASE_INPUT: lower})[0]
    onnx_upper = session.run(["pii_logits"], {"input_ids": ids, "attention_mask": att, CASE_INPUT: upper})[0]
    with torch.no_grad():
        torch_upper = case_model(torch.from_numpy(ids), torch.from_numpy(att), torch.from_numpy(upper))[2].numpy()
    np.testing.assert_allclose(onnx_upper, torch_upper, atol=1e-4)
    assert np.abs(onnx_upper - onnx_lower).max() > 1e-3  # the case input is wired, not constant-folded


def test_runtime_feeds_case_ids_from_the_text(case_model: GuardMultiTask, tmp_path: Path) -> None:
    """GuardModel on the exported graph: the same words, cased differently, reach the model differently."""
    path = export_fp32(case_model, tmp_path / "m.onnx")
    shipped = GuardModel.load(DEFAULT_BUNDLE)
    session = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    manifest = shipped.manifest.model_copy(deep=True)
    manifest.tasks.intent.labels = [f"i{k}" for k in range(4)] + [manifest.tasks.intent.oos_label]
    gm = GuardModel(manifest, session, shipped._tok)
    s_lower, p_lower = gm.scores(["ask anna in berlin"])
    s_upper, p_upper = gm.scores(["Ask Anna in Berlin"])
    s_lower2, p_lower2 = gm.scores(["ask anna in berlin"])
    assert np.array_equal(s_lower, s_lower2) and np.array_equal(p_lower, p_lower2)
    assert np.abs(s_upper - s_lower).max() > 1e-4 or np.abs(p_upper - p_lower).max() > 1e-4


def test_a_graph_without_case_input_still_runs(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = GuardMultiTask([0, 2, 4], len(SAFETY_LABELS), 5, len(PII_LABELS)).eval()
    path = export_fp32(model, tmp_path / "old.onnx")
    session = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    shipped = GuardModel.load(DEFAULT_BUNDLE)
    manifest = shipped.manifest.model_copy(deep=True)
    manifest.tasks.intent.labels = [f"i{k}" for k in range(4)] + [manifest.tasks.intent.oos_label]
    gm = GuardModel(manifest, session, shipped._tok)
    s_lower, _ = gm.scores(["ask anna in berlin"])
    s_upper, _ = gm.scores(["Ask Anna in Berlin"])
    assert np.array_equal(s_lower, s_upper)  # uncased tokenizer, no case input: identical
