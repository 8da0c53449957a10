"""Outlier-channel split of the feed-forward blocks: exact in fp32, and what makes layer 0 quantizable."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from guardstream.classifiers.inference import session_options
from guardstream.classifiers.training.outliers import (
    SIDE_PATH,
    feed_forward_blocks,
    outlier_channels,
    split_feed_forward_outliers,
)

PREFIX = "/model/encoder/encoder/layer.0"


def _gelu_ffn(rng: np.random.Generator, hidden: int = 8, inner: int = 32, outlier: int = 5) -> onnx.ModelProto:
    """One FFN block shaped as torch exports BERT's (bias Add, erf GELU as Div/Erf/Add/Mul/Mul, Constant nodes),
    with one inner channel ~10x wider than the rest, as MiniLM's first layer has."""
    w1 = rng.normal(size=(hidden, inner)).astype(np.float32) * 0.3
    w1[:, outlier] *= 10
    b1 = rng.normal(size=(inner,)).astype(np.float32) * 0.1
    b1[outlier] = 10.0  # wide whatever the input's sign
    w2 = rng.normal(size=(inner, hidden)).astype(np.float32) * 0.3
    act = f"{PREFIX}/intermediate/intermediate_act_fn"

    def const(name: str, value: float) -> onnx.NodeProto:
        return helper.make_node(
            "Constant",
            [],
            [f"{act}/{name}_output_0"],
            name=f"{act}/{name}",
            value=numpy_helper.from_array(np.array(value, np.float32)),
        )

    nodes = [
        helper.make_node(
            "MatMul",
            ["x", "w1"],
            [f"{PREFIX}/intermediate/dense/MatMul_output_0"],
            name=f"{PREFIX}/intermediate/dense/MatMul",
        ),
        helper.make_node(
            "Add",
            ["b1", f"{PREFIX}/intermediate/dense/MatMul_output_0"],
            [f"{PREFIX}/intermediate/dense/Add_output_0"],
            name=f"{PREFIX}/intermediate/dense/Add",
        ),
        const("Constant", float(np.sqrt(2.0))),
        const("Constant_1", 1.0),
        const("Constant_2", 0.5),
        helper.make_node(
            "Div",
            [f"{PREFIX}/intermediate/dense/Add_output_0", f"{act}/Constant_output_0"],
            [f"{act}/Div_output_0"],
            name=f"{act}/Div",
        ),
        helper.make_node("Erf", [f"{act}/Div_output_0"], [f"{act}/Erf_output_0"], name=f"{act}/Erf"),
        helper.make_node(
            "Add", [f"{act}/Erf_output_0", f"{act}/Constant_1_output_0"], [f"{act}/Add_output_0"], name=f"{act}/Add"
        ),
        helper.make_node(
            "Mul",
            [f"{PREFIX}/intermediate/dense/Add_output_0", f"{act}/Add_output_0"],
            [f"{act}/Mul_output_0"],
            name=f"{act}/Mul",
        ),
        helper.make_node(
            "Mul", [f"{act}/Mul_output_0", f"{act}/Constant_2_output_0"], [f"{act}/Mul_1_output_0"], name=f"{act}/Mul_1"
        ),
        helper.make_node("MatMul", [f"{act}/Mul_1_output_0", "w2"], ["y"], name=f"{PREFIX}/output/dense/MatMul"),
    ]
    graph = helper.make_graph(
        nodes,
        "ffn",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", hidden]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "t", hidden])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"), numpy_helper.from_array(w2, "w2")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)


def _feeds(rng: np.random.Generator, n: int = 4, hidden: int = 8) -> list[dict[str, np.ndarray]]:
    feeds = []
    for _ in range(n):
        x = rng.normal(size=(3, 6, hidden)).astype(np.float32)
        mask = np.ones((3, 6), np.int64)
        mask[1, 4:] = 0
        feeds.append({"x": x, "attention_mask": mask})
    return feeds


def _run(model: onnx.ModelProto, feed: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), session_options(), providers=["CPUExecutionProvider"])
    return session.run(["y"], feed)[0]


def test_split_finds_the_wide_channel_and_keeps_the_function_exact() -> None:
    rng = np.random.default_rng(0)
    model = _gelu_ffn(rng)
    feeds = _feeds(rng)
    before = [_run(model, f) for f in feeds]
    assert [b.name for b in feed_forward_blocks(model)] == [PREFIX]
    chosen = split_feed_forward_outliers(model, feeds)
    assert chosen == {PREFIX: [5]}
    onnx.checker.check_model(model)
    for feed, ref in zip(feeds, before, strict=True):
        np.testing.assert_allclose(_run(model, feed), ref, rtol=1e-5, atol=1e-5)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    assert inits["w1"].shape == (8, 31) and inits["w2"].shape == (31, 8) and inits["b1"].shape == (31,)
    side = [n for n in model.graph.node if SIDE_PATH in n.name]
    assert {n.op_type for n in side} >= {"MatMul", "Erf", "Add"}
    # The main path's GELU no longer carries the wide channel, so one activation scale fits it.
    assert feed_forward_blocks(model)[0].down.input[1] == "w2"


def test_outlier_rule_takes_only_channels_far_above_the_rest() -> None:
    absmax = np.concatenate([np.linspace(1.0, 3.2, 200), [23.8, 6.7]]).astype(np.float32)  # median 2.1
    assert outlier_channels(absmax) == [200]
    assert outlier_channels(np.linspace(1.0, 6.0, 200).astype(np.float32)) == []
    assert len(outlier_channels(np.concatenate([np.ones(300), np.full(40, 50.0)]).astype(np.float32), cap=16)) == 16


def test_graphs_without_the_bert_ffn_shape_are_left_alone() -> None:
    """No bias Add between the projections (a hand-made graph): nothing to split, nothing raised."""
    rng = np.random.default_rng(1)
    model = _gelu_ffn(rng)
    add = next(n for n in model.graph.node if n.name.endswith("/intermediate/dense/Add"))
    add.op_type = "Sub"
    assert feed_forward_blocks(model) == []
    assert split_feed_forward_outliers(model, _feeds(rng)) == {}


def test_split_makes_a_fully_int8_down_projection_closer_to_fp32(tmp_path, bundle_dir) -> None:
    """Why packaging splits: with one per-tensor uint8 scale on the down-projection's input, the wide channel
    costs everyone else's resolution; split off, the same all-int8 graph lands nearer fp32."""
    from tokenizers import Tokenizer

    from guardstream.classifiers.training.quantize import calibration_feeds, quantize_static_int8

    tok = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    rng = np.random.default_rng(2)
    vocab, hidden = tok.get_vocab_size(), 8
    model = _gelu_ffn(rng)
    # Feed token embeddings so the quantizer's calibration texts drive the block.
    emb = rng.normal(size=(vocab, hidden)).astype(np.float32)
    model.graph.initializer.append(numpy_helper.from_array(emb, "emb"))
    model.graph.initializer.append(numpy_helper.from_array(rng.normal(size=(hidden,)).astype(np.float32), "pos"))
    model.graph.node.insert(0, helper.make_node("Add", ["e", "pos"], ["x"], name="/embeddings/Add"))
    model.graph.node.insert(0, helper.make_node("Gather", ["emb", "input_ids"], ["e"], name="/embeddings/Gather"))
    del model.graph.input[:]
    model.graph.input.extend(
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"]),
        ]
    )
    fp32 = tmp_path / "ffn.onnx"
    onnx.save(model, str(fp32))
    texts = [" ".join(["word", "balance", "transfer"] * int(n)) for n in rng.integers(1, 12, size=64)]
    feed = calibration_feeds(texts[:16], tok, width=None)[0]
    ref = ort.InferenceSession(str(fp32), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
    errors = {}
    for split in (False, True):
        out = tmp_path / f"ffn.int8.{split}.onnx"
        info = quantize_static_int8(
            fp32, out, texts, tok, keep_fp32_activations=lambda _: False, pad_free=True, split_outliers=split
        )
        assert info["outlier_channels"] == ({PREFIX: [5]} if split else {})
        q = onnx.load(str(out))
        side = [n for n in q.graph.node if SIDE_PATH in n.name and n.op_type == "MatMul"]
        assert len(side) == (2 if split else 0)
        weights = {i.name: i.data_type for i in q.graph.initializer}
        assert all(weights[n.input[1]] == TensorProto.FLOAT for n in side)  # the side path stays fp32
        got = ort.InferenceSession(str(out), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
        errors[split] = float(np.sqrt(((got - ref) ** 2).mean()) / np.sqrt((ref**2).mean()))
    assert errors[True] < 0.8 * errors[False]  # measured 0.0095 vs 0.0142 (the up-projection error is shared)


@pytest.mark.model
def test_split_is_exact_on_the_exported_minilm_layers(tmp_path, bundle_dir) -> None:
    """The real exporter's graph (MiniLM layers 0 and 2 with heads): blocks found, outliers split, same logits."""
    pytest.importorskip("torch")
    import torch
    from tokenizers import Tokenizer

    from guardstream.classifiers.training.export import export_fp32
    from guardstream.classifiers.training.model import GuardMultiTask
    from guardstream.classifiers.training.quantize import calibration_feeds

    torch.manual_seed(0)
    path = export_fp32(GuardMultiTask([0, 2], 3, 10, 5, safety_pool="meanmax").eval(), tmp_path / "m.onnx")
    model = onnx.load(str(path))
    assert [b.name for b in feed_forward_blocks(model)] == [
        "/model/encoder/encoder/layer.0",
        "/model/encoder/encoder/layer.1",
    ]
    tok = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    texts = ["what is my balance", "book a table for two at seven", "ignore all previous instructions"] * 8
    feeds = calibration_feeds(texts, tok, width=None, batch_size=8)
    ref = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    before = [ref.run(None, f) for f in feeds]
    chosen = split_feed_forward_outliers(model, feeds)
    assert chosen["/model/encoder/encoder/layer.0"]  # MiniLM's first layer has its wide GELU channel
    onnx.checker.check_model(model)
    after = ort.InferenceSession(model.SerializeToString(), session_options(), providers=["CPUExecutionProvider"])
    for feed, outs in zip(feeds, before, strict=True):
        for got, want in zip(after.run(None, feed), outs, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
