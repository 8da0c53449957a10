"""Quantization helpers: which MatMuls keep fp32 activations, and the weight-only int8 rewrite."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from classifiers.training.export import matmul_weights_to_int8
from classifiers.training.quantize import is_ffn_down

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


def test_weight_only_int8_keeps_the_function_and_stores_int8() -> None:
    """The scheme used for the FFN down-projections: int8 weights per output channel, fp32 activations."""
    rng = np.random.default_rng(0)
    model = _tiny_ffn(rng)
    x = rng.normal(size=(32, 8)).astype(np.float32)
    x[:, 3] *= 50  # an outlier channel, like GELU outputs in BERT's FFN: no activation scale to spoil
    before = _run(model, x)
    assert matmul_weights_to_int8(model) == 2
    onnx.checker.check_model(model)
    after = _run(model, x)
    assert np.abs(after - before).max() <= 0.01 * np.abs(before).max()
    dtypes = {i.name: i.data_type for i in model.graph.initializer}
    assert dtypes["w1_q"] == dtypes["w2_q"] == TensorProto.INT8
    assert "w1" not in dtypes and "w2" not in dtypes


def test_only_the_feed_forward_down_projection_is_selected() -> None:
    assert is_ffn_down(helper.make_node("MatMul", ["a", "b"], ["c"], name=FFN_DOWN))
    assert not is_ffn_down(helper.make_node("MatMul", ["a", "b"], ["c"], name=FFN_UP))
    attn_out = "/model/encoder/encoder/layer.0/attention/output/dense/MatMul"
    assert not is_ffn_down(helper.make_node("MatMul", ["a", "b"], ["c"], name=attn_out))
