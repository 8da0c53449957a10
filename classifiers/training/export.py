"""Checkpoint → fp32 ONNX → int8 ONNX.

The wrapper fixes token_type_ids to zeros inside the graph so the runtime feeds only ids and mask, except for
``case_input`` models (``--case-input``), whose graph takes a third input, ``case_ids`` (see ``classifiers.casing``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from torch import nn

from guardstream.classifiers.casing import CASE_INPUT
from guardstream.classifiers.training.labels import PII_LABELS, SAFETY_LABELS
from guardstream.classifiers.training.model import GuardMultiTask, base_tokenizer

OPSET = 17
OUTPUTS = ["safety_logits", "intent_logits", "pii_logits"]


class _ExportWrapper(nn.Module):
    def __init__(self, model: GuardMultiTask):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        return self.model(input_ids, attention_mask)


class _CaseExportWrapper(nn.Module):
    def __init__(self, model: GuardMultiTask):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, case_ids: torch.Tensor):
        return self.model(input_ids, attention_mask, case_ids)


def load_checkpoint(run_dir: Path) -> tuple[GuardMultiTask, dict]:
    cfg = json.loads((run_dir / "train_config.json").read_text())
    model = GuardMultiTask(
        cfg["layers"],
        len(SAFETY_LABELS),
        len(cfg["intent_labels"]),
        len(PII_LABELS),
        safety_pool=cfg.get("safety_pool", "mean"),
        case_input=cfg.get("case_input", False),
        pii_branch_layers=(cfg.get("pii_branch") or {}).get("layers", 1) if cfg.get("pii_branch") else 0,
    )
    model.load_state_dict(torch.load(run_dir / "model.pt", map_location="cpu"))
    model.eval()
    return model, cfg


def export_fp32(model: GuardMultiTask, path: Path) -> Path:
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    att = (ids != 0).long()
    names = ["input_ids", "attention_mask"]
    wrapper: nn.Module = _ExportWrapper(model)
    example: tuple[torch.Tensor, ...] = (ids, att)
    if model.case_input:
        names.append(CASE_INPUT)
        wrapper = _CaseExportWrapper(model)
        example = (ids, att, torch.tensor([[0, 1, 0, 0], [0, 1, 0, 0]], dtype=torch.long))
    dyn = {name: {0: "batch", 1: "seq"} for name in names}
    dyn.update({"safety_logits": {0: "batch"}, "intent_logits": {0: "batch"}, "pii_logits": {0: "batch", 1: "seq"}})
    was_training = model.training
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            example,
            str(path),
            input_names=names,
            output_names=OUTPUTS,
            dynamic_axes=dyn,
            opset_version=OPSET,
            dynamo=False,
            do_constant_folding=True,
        )
    model.train(was_training)  # the exporter leaves the module in training mode (dropout on)
    return path


def quantize_int8(fp32: Path, out: Path, *, weight_only: bool = True) -> Path:
    """int8 weights, per channel.

    ``weight_only=True`` (shipped): the embedding Gather goes through ``quantize_dynamic`` (weight-only by
    nature) and every constant MatMul weight is stored as int8 + per-output-channel scale behind a
    DequantizeLinear, so activations stay fp32. Full ``quantize_dynamic`` also quantises activations with a
    scale computed over the whole batch tensor, which makes a message's scores depend on what else is in its
    batch (measured ~0.05 logit drift); a guardrail verdict must not depend on its neighbours.
    ``weight_only=False`` reproduces plain ``quantize_dynamic`` for comparison.
    """
    ops = ["Gather"] if weight_only else ["MatMul", "Gather"]
    tmp = out.with_suffix(".dyn.onnx") if weight_only else out
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=ops)
    if weight_only:
        model = onnx.load(str(tmp))
        matmul_weights_to_int8(model)
        onnx.save(model, str(out))
        tmp.unlink()
    return out


def matmul_weights_to_int8(model: onnx.ModelProto, skip: Callable[[onnx.NodeProto], bool] | None = None) -> int:
    """Replace each MatMul's constant fp32 [K, N] weight by int8 + DequantizeLinear(axis=1), except ``skip``
    nodes; returns the count."""
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes: list[onnx.NodeProto] = []
    done = 0
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and not (skip and skip(node)):
            w = numpy_helper.to_array(inits[node.input[1]])
            if w.ndim == 2 and w.dtype == np.float32:
                name = node.input[1]
                scale = np.maximum(np.abs(w).max(axis=0), 1e-12).astype(np.float32) / 127.0
                q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
                graph.initializer.remove(inits.pop(name))
                graph.initializer.extend(
                    [
                        numpy_helper.from_array(q, f"{name}_q"),
                        numpy_helper.from_array(scale, f"{name}_scale"),
                        numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zp"),
                    ]
                )
                new_nodes.append(
                    helper.make_node(
                        "DequantizeLinear",
                        [f"{name}_q", f"{name}_scale", f"{name}_zp"],
                        [f"{name}_deq"],
                        name=f"{name}_DequantizeLinear",
                        axis=1,
                    )
                )
                node.input[1] = f"{name}_deq"
                done += 1
        new_nodes.append(node)
    del graph.node[:]
    graph.node.extend(new_nodes)
    return done


def save_tokenizer(path: Path) -> Path:
    """The base WordPiece tokenizer with padding/truncation disabled (the runtime windows and pads)."""
    base_tokenizer().save(str(path))
    return path
