"""A PII branch retrains PII only: safety and intent stay the base model's, in torch, on disk and in ONNX."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="the PII branch needs the [train] extra (torch)")

from guardstream.classifiers.inference import session_options  # noqa: E402
from guardstream.classifiers.training.data import pii_synth  # noqa: E402
from guardstream.classifiers.training.export import export_fp32, load_checkpoint  # noqa: E402
from guardstream.classifiers.training.labels import PII_LABELS, SAFETY_LABELS  # noqa: E402
from guardstream.classifiers.training.model import GuardMultiTask  # noqa: E402
from guardstream.classifiers.training.pii_branch import branch_model, pii_rows, train_branch  # noqa: E402

LAYERS = [0, 2, 4]
N_INTENT = 5


@pytest.fixture(scope="module")
def base() -> GuardMultiTask:
    """Real MiniLM layers with seeded heads; the base's top layer is perturbed so a branch that silently
    restarted from the pre-trained MiniLM layer (instead of the base's) would not match it."""
    torch.manual_seed(0)
    model = GuardMultiTask(LAYERS, len(SAFETY_LABELS), N_INTENT, len(PII_LABELS), safety_pool="meanmax")
    with torch.no_grad():
        for p in model.encoder.encoder.layer[-1].parameters():
            p.add_(0.01 * torch.randn_like(p))
    return model.eval()


@pytest.fixture(scope="module")
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Two rows of different length, so padding and its mask are exercised."""
    ids = torch.tensor([[101, 2198, 3044, 2003, 1999, 3000, 102], [101, 7592, 2088, 102, 0, 0, 0]])
    return ids, (ids != 0).long()


@pytest.mark.parametrize("branch_layers", [1, 2])
def test_branch_starts_as_the_base_model(base: GuardMultiTask, batch, branch_layers: int) -> None:
    model = branch_model(base, LAYERS, branch_layers).eval()
    assert len(model.pii_layers) == branch_layers
    with torch.no_grad():
        for a, b in zip(base(*batch), model(*batch), strict=True):
            assert torch.equal(a, b)


@pytest.mark.parametrize("branch_layers", [0, 1])
def test_only_the_branch_and_pii_head_can_train(base: GuardMultiTask, branch_layers: int) -> None:
    """``branch_layers=0`` is the head-only retrain: the PII head is the one trainable part."""
    model = branch_model(base, LAYERS, branch_layers)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith(("pii_layers.", "pii.")) for n in trainable)
    assert any(n.startswith("pii_layers.") for n in trainable) == bool(branch_layers)
    assert any(n.startswith("pii.") for n in trainable)
    assert not any(n.startswith(("encoder.", "safety.", "intent.")) for n in trainable)


@pytest.mark.parametrize("branch_layers", [0, 1])
def test_training_moves_pii_and_leaves_safety_and_intent_bit_identical(
    base: GuardMultiTask, batch, branch_layers: int
) -> None:
    model = branch_model(base, LAYERS, branch_layers)
    rows = pii_rows(pii_synth.generate(48, 3))
    assert rows and any(r.pii for r in rows)
    steps = train_branch(model, rows, epochs=1.0, lr=1e-3, batch_size=16, max_length=64, seed=1, log=lambda _: None)
    assert steps == 3
    with torch.no_grad():
        s0, i0, p0 = base(*batch)
        s1, i1, p1 = model(*batch)
    assert torch.equal(s0, s1)
    assert torch.equal(i0, i1)
    assert (p0 - p1).abs().max() > 1e-3
    shared_before = dict(base.named_parameters())
    for name, p in model.named_parameters():
        if name in shared_before and not name.startswith("pii."):
            assert torch.equal(p, shared_before[name]), name


def test_checkpoint_round_trip_and_onnx_export(base: GuardMultiTask, batch, tmp_path: Path) -> None:
    """load_checkpoint rebuilds a branch model from its config; its ONNX graph takes the same two inputs as the
    base's and reproduces torch on all three outputs."""
    model = branch_model(base, LAYERS)
    with torch.no_grad():
        for p in model.pii_layers.parameters():
            p.add_(0.01 * torch.randn_like(p))  # a branch that differs from the shared top layer
    torch.save(model.state_dict(), tmp_path / "model.pt")
    cfg = {"layers": LAYERS, "safety_pool": "meanmax", "intent_labels": [f"i{k}" for k in range(N_INTENT)]}
    (tmp_path / "train_config.json").write_text(json.dumps(cfg | {"pii_branch": {"base_run": "x", "layers": 1}}))
    loaded, _ = load_checkpoint(tmp_path)
    assert loaded.pii_branch
    with torch.no_grad():
        expected = [t.numpy() for t in model.eval()(*batch)]
        for a, b in zip(expected, (t.numpy() for t in loaded(*batch)), strict=True):
            np.testing.assert_array_equal(a, b)

    path = export_fp32(loaded, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    ids, att = (t.numpy() for t in batch)
    got = session.run(None, {"input_ids": ids, "attention_mask": att})
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, atol=1e-4)
    # The branch is a real extra layer in the graph, not folded away: the PII logits differ from the shared path.
    with torch.no_grad():
        shared_pii = base(*batch)[2].numpy()
    assert np.abs(got[2] - shared_pii).max() > 1e-3


def test_a_head_only_checkpoint_loads_without_branch_layers(base: GuardMultiTask, batch, tmp_path: Path) -> None:
    model = branch_model(base, LAYERS, 0)
    with torch.no_grad():
        model.pii.weight.add_(0.01 * torch.randn_like(model.pii.weight))
    torch.save(model.state_dict(), tmp_path / "model.pt")
    cfg = {"layers": LAYERS, "safety_pool": "meanmax", "intent_labels": [f"i{k}" for k in range(N_INTENT)]}
    (tmp_path / "train_config.json").write_text(json.dumps(cfg | {"pii_branch": {"base_run": "x", "layers": 0}}))
    loaded, _ = load_checkpoint(tmp_path)
    assert loaded.pii_layers is None
    with torch.no_grad():
        for a, b in zip(model.eval()(*batch), loaded(*batch), strict=True):
            assert torch.equal(a, b)


def test_the_card_says_what_the_pii_head_reads() -> None:
    from guardstream.classifiers.training.card import _pii_branch_lines

    assert _pii_branch_lines(None) == []
    one = " ".join(_pii_branch_lines({"layers": 1, "base_version": "0.3.0"}))
    head = " ".join(_pii_branch_lines({"layers": 0, "base_version": "0.3.0"}))
    assert "1 extra per message" in one and "0.3.0" in one
    assert "no extra cost" in head and "extra per message" not in head
