"""Quantization helpers: which MatMuls keep fp32 activations, and the weight-only int8 rewrite."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from guardstream.classifiers.inference import session_options
from guardstream.classifiers.training.export import matmul_weights_to_int8
from guardstream.classifiers.training.quantize import is_ffn_down

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
    session = ort.InferenceSession(model.SerializeToString(), session_options(), providers=["CPUExecutionProvider"])
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


def _tiny_encoder(rng: np.random.Generator, vocab: int) -> onnx.ModelProto:
    """Embedding lookup + one FFN, masked by attention: the inputs and op types the real export has."""
    emb = rng.normal(size=(vocab, 8)).astype(np.float32)
    w1 = rng.normal(size=(8, 16)).astype(np.float32)
    w2 = rng.normal(size=(16, 8)).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["e"], name="/embeddings/Gather"),
        helper.make_node("Add", ["e", "pos"], ["x"], name="/embeddings/Add"),  # as position embeddings do
        helper.make_node("MatMul", ["x", "w1"], ["h"], name=FFN_UP),
        helper.make_node("Relu", ["h"], ["a"], name="act"),
        helper.make_node("MatMul", ["a", "w2"], ["y0"], name="/model/encoder/encoder/layer.1/output/dense/MatMul"),
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["m", "axes"], ["m3"]),
        helper.make_node("Mul", ["y0", "m3"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "enc",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "t", 8])],
        [
            numpy_helper.from_array(emb, "emb"),
            numpy_helper.from_array(rng.normal(size=(8,)).astype(np.float32), "pos"),
            numpy_helper.from_array(w1, "w1"),
            numpy_helper.from_array(w2, "w2"),
            numpy_helper.from_array(np.array([2], np.int64), "axes"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)


def test_pad_free_calibration_pads_each_batch_only_to_its_longest_row(bundle_dir) -> None:
    from tokenizers import Tokenizer

    from guardstream.classifiers.training.quantize import calibration_feeds

    tok = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    texts = ["hi", "what is my balance", "a much longer message " * 5, "ok then"] * 10
    fixed = calibration_feeds(texts, tok, batch_size=8)
    assert {f["input_ids"].shape[1] for f in fixed} == {128}
    free = calibration_feeds(texts, tok, batch_size=8, width=None)
    assert sum(len(f["input_ids"]) for f in free) == len(texts)
    widths = [f["input_ids"].shape[1] for f in free]
    assert widths == sorted(widths) and widths[-1] < 128
    for f in free:  # the longest row of every batch has no padding at all
        assert f["attention_mask"].sum(axis=1).max() == f["input_ids"].shape[1]


def test_static_int8_calibrates_on_batches_of_different_shapes(tmp_path, bundle_dir) -> None:
    """Pad-free widths and a short last batch (60 texts) used to fail inside ORT's calibrator."""
    from tokenizers import Tokenizer

    from guardstream.classifiers.training.quantize import calibration_feeds, quantize_static_int8

    tok = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    rng = np.random.default_rng(0)
    fp32 = tmp_path / "enc.onnx"
    onnx.save(_tiny_encoder(rng, tok.get_vocab_size()), str(fp32))
    texts = [" ".join(["word"] * int(n)) + " please" for n in rng.integers(1, 40, size=60)]
    for pad_free in (False, True):
        out = tmp_path / f"enc.int8.{pad_free}.onnx"
        info = quantize_static_int8(fp32, out, texts, tok, keep_fp32_activations=lambda _: False, pad_free=pad_free)
        assert info["calibration_padding"].startswith("per batch" if pad_free else "every row")
        q = onnx.load(str(out))
        assert any(n.op_type == "QuantizeLinear" for n in q.graph.node)  # activations really are int8
        feed = calibration_feeds(texts[:8], tok, width=None)[0]
        ref = ort.InferenceSession(str(fp32), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
        got = ort.InferenceSession(str(out), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
        assert np.abs(got - ref).max() <= 0.05 * np.abs(ref).max()


def test_static_int8_leaves_matmul_outputs_fp32_and_closer_to_fp32(tmp_path, bundle_dir) -> None:
    """Re-quantizing each MatMul's result (ORT's default, our v0.2 graph) adds a rounding the next fp32 op does
    not need; without it the MatMul inputs are still int8 and the output is nearer the fp32 model."""
    from tokenizers import Tokenizer

    from guardstream.classifiers.training.quantize import calibration_feeds, quantize_static_int8

    tok = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    rng = np.random.default_rng(1)
    fp32 = tmp_path / "enc.onnx"
    onnx.save(_tiny_encoder(rng, tok.get_vocab_size()), str(fp32))
    texts = [" ".join(["word", "other"] * int(n)) for n in rng.integers(1, 30, size=64)]
    feed = calibration_feeds(texts[:16], tok, width=None)[0]
    ref = ort.InferenceSession(str(fp32), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
    errors = {}
    for requantize in (False, True):
        out = tmp_path / f"enc.int8.{requantize}.onnx"
        info = quantize_static_int8(
            fp32,
            out,
            texts,
            tok,
            keep_fp32_activations=lambda _: False,
            quantize_matmul_outputs=requantize,
            round_only_matmul_inputs=not requantize,
        )
        assert info["matmul_outputs"] == ("uint8 per tensor" if requantize else "fp32")
        q = onnx.load(str(out))
        quantized = {n.input[0] for n in q.graph.node if n.op_type == "QuantizeLinear"}
        matmul_outputs = {o for n in q.graph.node if n.op_type == "MatMul" for o in n.output}
        assert "x" in quantized  # the MatMul inputs are int8 either way
        assert bool(quantized & matmul_outputs) == requantize
        got = ort.InferenceSession(str(out), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
        errors[requantize] = float(np.sqrt(((got - ref) ** 2).mean()))
    assert errors[False] < errors[True]


def test_only_the_int8_matmuls_read_rounded_activations(tmp_path, bundle_dir) -> None:
    """A tensor read by an int8 MatMul AND by a residual Add: the quantizer points both at the rounded copy;
    afterwards the Add reads fp32 again, the MatMul still reads int8, and the output is nearer fp32."""
    from tokenizers import Tokenizer

    from guardstream.classifiers.training.quantize import calibration_feeds, quantize_static_int8

    tok = Tokenizer.from_file(str(bundle_dir / "tokenizer.json"))
    rng = np.random.default_rng(3)
    model = _tiny_encoder(rng, tok.get_vocab_size())
    residual = next(n for n in model.graph.node if n.op_type == "Mul")  # y = (y0 * mask) + x: a residual Add
    residual.output[0] = "y1"
    model.graph.node.append(helper.make_node("Add", ["y1", "x"], ["y"], name="/residual/Add"))
    fp32 = tmp_path / "enc.onnx"
    onnx.save(model, str(fp32))
    texts = [" ".join(["word", "other", "thing"] * int(n)) for n in rng.integers(1, 20, size=64)]
    feed = calibration_feeds(texts[:16], tok, width=None)[0]
    ref = ort.InferenceSession(str(fp32), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
    errors = {}
    for only_matmuls in (False, True):
        out = tmp_path / f"enc.int8.{only_matmuls}.onnx"
        info = quantize_static_int8(
            fp32,
            out,
            texts,
            tok,
            keep_fp32_activations=lambda _: False,
            split_outliers=False,
            round_only_matmul_inputs=only_matmuls,
        )
        q = onnx.load(str(out))
        add = next(n for n in q.graph.node if n.name == "/residual/Add")
        matmul = next(n for n in q.graph.node if n.name == FFN_UP)
        assert (add.input[1] == "x") == only_matmuls
        assert matmul.input[0] != "x"  # the int8 MatMul reads the rounded copy either way
        assert info["fp32_inputs_repointed"] == (1 if only_matmuls else 0)
        got = ort.InferenceSession(str(out), session_options(), providers=["CPUExecutionProvider"]).run(["y"], feed)[0]
        errors[only_matmuls] = float(np.sqrt(((got - ref) ** 2).mean()))
    assert errors[True] < errors[False]
