"""SmoothQuant rewrite: the smoothed fp32 graph computes the same function, with a narrower input range."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from classifiers.training.quantize import is_ffn_down, smooth

FFN_DOWN = "/model/encoder/encoder/layer.0/output/dense/MatMul"
FFN_UP = "/model/encoder/encoder/layer.0/intermediate/dense/MatMul"


def _tiny_ffn(rng: np.random.Generator) -> onnx.ModelProto:
    w1 = rng.normal(size=(8, 16)).astype(np.float32)
    w2 = rng.normal(size=(16, 8)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name=FFN_UP),
        helper.make_node("Relu", ["h"], ["a"], name="act"),
        helper.make_node("MatMul", ["a", "w2"], ["y"], name=FFN_DOWN),
    ]
    graph = helper.make_graph(
        nodes,
        "ffn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 8])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["y"], {"x": x})[0]


def test_smoothing_preserves_outputs_and_rescales_only_the_ffn_down_input() -> None:
    rng = np.random.default_rng(0)
    model = _tiny_ffn(rng)
    x = rng.normal(size=(32, 8)).astype(np.float32)
    x[:, 3] *= 50  # an outlier channel, like GELU outputs in BERT's FFN
    before = _run(model, x)
    smoothed = onnx.ModelProto()
    smoothed.CopyFrom(model)
    assert smooth(smoothed, [{"x": x}], alpha=0.5) == 1
    onnx.checker.check_model(smoothed)
    np.testing.assert_allclose(_run(smoothed, x), before, rtol=1e-4, atol=1e-4)
    muls = [n for n in smoothed.graph.node if n.op_type == "Mul"]
    assert len(muls) == 1 and muls[0].input[0] == "a"  # in front of the down-projection only
    down = next(n for n in smoothed.graph.node if n.name == FFN_DOWN)
    assert down.input[0] == muls[0].output[0]


def test_only_the_feed_forward_down_projection_is_selected() -> None:
    assert is_ffn_down(helper.make_node("MatMul", ["a", "b"], ["c"], name=FFN_DOWN))
    assert not is_ffn_down(helper.make_node("MatMul", ["a", "b"], ["c"], name=FFN_UP))
    attn_out = "/model/encoder/encoder/layer.0/attention/output/dense/MatMul"
    assert not is_ffn_down(helper.make_node("MatMul", ["a", "b"], ["c"], name=attn_out))
