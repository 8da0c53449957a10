"""fp32 ONNX → static int8 ONNX (int8 activations AND weights), batch-invariant and close to fp32.

Why static: ``quantize_dynamic`` computes each activation scale over the whole batch tensor at run time, so a
message's scores move (up to 0.27 logit, measured) with whatever else shares its batch; a guardrail verdict must
not depend on its neighbours. Static quantization fixes every activation scale at export from calibration data,
so a row's result is the same alone or in any batch, and the int8 GEMMs (VNNI) run ~2x faster than the
weight-only int8 model we shipped before (fp32 activations).

Since v0.3.1 no encoder MatMul keeps fp32 activations (``split_outliers=True``, the default): the one or two
GELU channels per layer that are ~4-10x wider than the rest move to a rank-1/2 fp32 side path
(``classifiers.training.outliers``, exact in fp32), and every FFN down-projection then quantizes with one
per-tensor scale. The history below is why that was needed; ``split_outliers=False`` reproduces it.

Why the FIRST layer's feed-forward down-projection kept fp32 activations (v0.2, v0.3.0): it reads GELU outputs
with a few huge channels, and one per-tensor int8 scale for them costs the agreement with fp32 (CLINC test argmax: all
static 0.965; SmoothQuant on that input, alpha 0.5/0.8, did not recover it). Keeping only layer 0's at fp32
activations (int8 weights behind a DequantizeLinear) gives 0.982 at 1,262 msgs/s per thread; keeping layer 1's
or 2's instead does not help (0.966); keeping all three gives 0.984 at 1,006 msgs/s.

What "fp32 activations" means at run time (measured for v0.3): ORT fuses DequantizeLinear + MatMul into
MatMulNBits at session load, and that op (``session.qdq_matmulnbits_accuracy_level`` 4, the default)
quantizes its input to int8 per block of 32 channels on the fly. Per-block scales keep the outlier channels
apart, which is why it holds agreement where one per-tensor scale does not. Storing true fp32 weights for
those two MatMuls instead ran 4.5% slower (bare encoder, 1 thread, quiet machine: 1,306 vs 1,367 msgs/s)
with no better agreement (CLINC intent decisions 0.989 vs 0.991), so the int8-weight form stays.

Pad-free calibration (v0.3, ``pad_free=True``): the v0.2 scheme pads every calibration row to 128 tokens, so
for short messages most of the activations behind each scale come from pad positions that inference never
reads (it pads per length-sorted batch). Padding each batch only to its own longest row ties the scales to real
tokens. Measured on CLINC validation intent decisions: 0.9897 -> 0.9937 and 0.9909 -> 0.9926 for two v0.3
candidates, 0.9857 -> 0.9854 for v0.2, so packaging tries both and keeps the better on validation.

Agreement is bought with speed (v0.3 candidate gm-v10, pad-free, CLINC validation intent decisions): keeping
layer 0's FFN down-projection at fp32 activations 0.9909 (test 0.9869); also the whole last layer 0.9920; every
FFN down-projection 0.9937 (~0.8x the speed, see above); every weight MatMul, i.e. weight-only int8, 0.9974
(~0.6x). Students whose intent distributions are softer than v0.2's sit nearer the oos threshold and lose
more decisions to int8.

MatMul outputs stay fp32 (v0.3, ``quantize_matmul_outputs=False``). ORT's QDQ quantizer by default also puts a
Quantize/Dequantize pair on each MatMul's OUTPUT, although the next op (the bias Add) reads fp32: that rounds
every projection's result to one per-tensor uint8 scale for nothing. Measured (fp32 activations fake-quantized
at the calibrated scales, CLINC val): the layer-1 FFN down-projection's output lost 7.5% (relative L2) there,
and the mean-pooled encoder output ended 11% away from fp32. Without those pairs ORT runs each MatMul as
MatMulIntegerToFloat (int8 inputs, fp32 result). v0.3 candidate gm-v11, CLINC validation intent decisions:
fixed-width 0.9901 -> 0.9931, pad-free 0.9917 -> 0.9956; speed on 1 and 2 threads unchanged (1.00-1.05x).

Only the int8 MatMuls read rounded activations (v0.3.1, ``round_only_matmul_inputs=True``). In QDQ form the
quantizer puts one Quantize/Dequantize pair on a tensor and points EVERY consumer at the dequantized copy, so
each LayerNorm output reached the next layer's residual Add (and the fp32 MatMuls beside it) rounded to the
uint8 grid: the residual stream lost precision at every layer for no speed gain. Afterwards those consumers
read the fp32 tensor again (:func:`fp32_for_unquantized_consumers`). On the student before fine-tuning (MiniLM
layers 0, 2, 4 with untrained heads; CLINC val) this cut the int8 graph's relative error on the intent logits by
~20% (0.068 -> 0.056 with the outlier split), and dropping the now-unused DequantizeLinear nodes made it no
slower; on the v0.3 checkpoint both changes together moved CLINC test intent decisions' agreement with fp32
from 0.9922 to 0.9933.

Activation x activation MatMuls (attention scores and context) and the PII token head stay fp32 too: they are
a small share of the work at our sequence lengths and the most sensitive to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)
from tokenizers import Tokenizer

from guardstream.classifiers.casing import CASE_INPUT, token_case_ids
from guardstream.classifiers.training.outliers import SIDE_PATH, split_feed_forward_outliers

CALIBRATION_WIDTH = 128  # percentile calibration needs one shape for every batch
PERCENTILE = 99.999
KEEP_FP32 = ("/model/pii/MatMul",)


def calibration_feeds(
    texts: Sequence[str],
    tokenizer: Tokenizer,
    *,
    batch_size: int = 32,
    width: int | None = CALIBRATION_WIDTH,
    case: bool = False,
) -> list[dict[str, np.ndarray]]:
    """Batches of ``[CLS] text [SEP]`` (texts longer than a window are cut).

    ``width`` pads every batch to one shape (the v0.2 scheme). ``None`` sorts texts by length and pads each
    batch only to its own longest row, as inference does, so the activation statistics come from real tokens
    rather than from the pad positions that fill most of a 128-wide row of a short message. ``case`` adds the
    ``case_ids`` input of ``--case-input`` graphs.
    """
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    limit = width or CALIBRATION_WIDTH
    encoded = tokenizer.encode_batch(list(texts), add_special_tokens=False)
    encs = [
        (e.ids[: limit - 2], token_case_ids(t, e.offsets)[: limit - 2] if case else None)
        for e, t in zip(encoded, texts, strict=True)
    ]
    if width is None:
        encs.sort(key=lambda row: len(row[0]))
    feeds = []
    for i in range(0, len(encs), batch_size):
        rows = encs[i : i + batch_size]
        w = width or max(len(r) for r, _ in rows) + 2
        ids = np.zeros((len(rows), w), np.int64)
        att = np.zeros_like(ids)
        cases = np.zeros_like(ids)
        for r, (body, body_case) in enumerate(rows):
            ids[r, 0], ids[r, 1 : len(body) + 1], ids[r, len(body) + 1] = cls_id, body, sep_id
            att[r, : len(body) + 2] = 1
            if body_case is not None:
                cases[r, 1 : len(body) + 1] = body_case
        feeds.append({"input_ids": ids, "attention_mask": att, **({CASE_INPUT: cases} if case else {})})
    return feeds


class _Reader(CalibrationDataReader):
    """Feeds calibration batches; ``set_range`` lets ORT collect one batch at a time (``CalibStridedMinMax``),
    which is how batches of different widths reach the histogram calibrator: it merges histograms across
    ``collect_data`` calls but cannot stack differently shaped outputs within one."""

    def __init__(self, feeds: Iterable[dict[str, np.ndarray]]):
        self._feeds = list(feeds)
        self._it: Iterator[dict[str, np.ndarray]] = iter(self._feeds)

    def __len__(self) -> int:
        return len(self._feeds)

    def set_range(self, start_index: int, end_index: int) -> None:
        self._it = iter(self._feeds[start_index:end_index])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)


def _weight_matmuls(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    inits = {i.name for i in model.graph.initializer}
    return [
        n
        for n in model.graph.node
        if n.op_type == "MatMul"
        and n.input[1] in inits
        and n.input[0] not in inits
        and n.name not in KEEP_FP32
        and not is_outlier_side_path(n)
    ]


def is_outlier_side_path(node: onnx.NodeProto) -> bool:
    """A node of the fp32 outlier-channel path (``classifiers.training.outliers``): never quantized."""
    return SIDE_PATH in node.name


def is_ffn_down(node: onnx.NodeProto) -> bool:
    """A feed-forward down-projection (reads GELU output)."""
    return "/output/dense/" in node.name and "/attention/" not in node.name


def is_first_ffn_down(node: onnx.NodeProto) -> bool:
    """The first layer's FFN down-projection: the one MatMul whose int8 activations cost agreement (see doc)."""
    return is_ffn_down(node) and "/layer.0/" in node.name


def fp32_for_unquantized_consumers(model: onnx.ModelProto) -> int:
    """Point every consumer of a dequantized activation that is not an int8 MatMul back at the fp32 tensor the
    pair was made from, and drop the DequantizeLinear nodes nothing reads any more; returns how many inputs
    were re-pointed. An int8 MatMul is one whose weight is a DequantizeLinear of a constant: ORT fuses exactly
    those into MatMulIntegerToFloat, so they are the only readers the rounding serves."""
    graph = model.graph
    inits = {i.name for i in graph.initializer}
    quantized_from = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "QuantizeLinear"}
    fp32_of = {
        n.output[0]: quantized_from[n.input[0]]
        for n in graph.node
        if n.op_type == "DequantizeLinear" and n.input[0] in quantized_from
    }
    constant_dq = {n.output[0] for n in graph.node if n.op_type == "DequantizeLinear" and n.input[0] in inits}
    moved = 0
    for node in graph.node:
        if node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in constant_dq:
            continue
        for k, name in enumerate(node.input):
            if name in fp32_of:
                node.input[k] = fp32_of[name]
                moved += 1
    read = {name for n in graph.node for name in n.input} | {o.name for o in graph.output}
    kept = [n for n in graph.node if not (n.op_type == "DequantizeLinear" and n.output[0] not in read)]
    del graph.node[:]
    graph.node.extend(kept)
    return moved


def no_node(node: onnx.NodeProto) -> bool:
    """Keep no MatMul's activations in fp32 (with ``split_outliers``, every down-projection quantizes)."""
    return False


def quantize_static_int8(
    fp32: Path,
    out: Path,
    texts: Sequence[str],
    tokenizer: Tokenizer,
    *,
    keep_fp32_activations: Callable[[onnx.NodeProto], bool] | None = None,
    pad_free: bool = False,
    quantize_matmul_outputs: bool = False,
    split_outliers: bool = True,
    round_only_matmul_inputs: bool = True,
) -> dict[str, object]:
    """QDQ-quantize the weight MatMuls except ``keep_fp32_activations`` ones; those and the PII head get int8
    weights behind a DequantizeLinear (fp32 activations); the embedding table is int8 weight-only.

    ``split_outliers`` moves each FFN block's outlier GELU channels to an fp32 side path first (channel widths
    measured on ``texts``), and ``round_only_matmul_inputs`` lets every reader but the int8 MatMuls see fp32
    activations; both are on since v0.3.1, and ``split_outliers=False, round_only_matmul_inputs=False``
    reproduces v0.3.0. ``quantize_matmul_outputs=True`` reproduces the v0.2 graph, which also rounded each
    MatMul's result to uint8 (see the module doc for why each of these is the default it is)."""
    from guardstream.classifiers.training.export import matmul_weights_to_int8  # lazily: export imports torch

    if quantize_matmul_outputs and round_only_matmul_inputs:
        raise ValueError("quantize_matmul_outputs (the v0.2 graph) needs round_only_matmul_inputs=False")
    model = onnx.load(str(fp32))
    case = CASE_INPUT in {i.name for i in model.graph.input}
    feeds = calibration_feeds(texts, tokenizer, width=None if pad_free else CALIBRATION_WIDTH, case=case)
    if keep_fp32_activations is None:
        keep_fp32_activations = no_node if split_outliers else is_first_ffn_down
    outliers: dict[str, list[int]] = {}
    if split_outliers:
        # Channel widths from real tokens only (pad-free), whatever padding the scales are calibrated with.
        tokens_only = feeds if pad_free else calibration_feeds(texts, tokenizer, width=None, case=case)
        outliers = split_feed_forward_outliers(model, tokens_only)
        fp32 = out.with_suffix(".split.onnx")
        onnx.save(model, str(fp32))
    # One collect per batch when shapes differ (pad-free widths, or a short last batch), else one collect.
    uniform = len({f["input_ids"].shape for f in feeds}) == 1
    static_matmuls = {n.name for n in _weight_matmuls(model) if not keep_fp32_activations(n)}
    weight_only_names = [
        n.name.removeprefix("/model/").removesuffix("/MatMul")
        for n in _weight_matmuls(model)
        if n.name not in static_matmuls
    ] + ["pii head"]
    exclude = [n.name for n in model.graph.node if n.op_type == "MatMul" and n.name not in static_matmuls]
    static = out.with_suffix(".static.onnx")
    quantize_static(
        str(fp32),
        str(static),
        _Reader(feeds),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.Percentile,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=exclude,
        extra_options={
            "CalibPercentile": PERCENTILE,
            **({} if uniform else {"CalibStridedMinMax": 1}),
            **({} if quantize_matmul_outputs else {"OpTypesToExcludeOutputQuantization": ["MatMul"]}),
        },
    )
    if split_outliers:
        fp32.unlink()
    model = onnx.load(str(static))
    repointed = fp32_for_unquantized_consumers(model) if round_only_matmul_inputs else 0
    # kept MatMuls + PII head: ORT runs them as MatMulNBits; the outlier side path stays fp32 (rank 1-2)
    weight_only = matmul_weights_to_int8(model, skip=is_outlier_side_path)
    onnx.save(model, str(static))
    # The 30k x 384 embedding table is a Gather, not a MatMul: int8 it weight-only (it is 2/3 of the file).
    quantize_dynamic(
        str(static), str(out), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["Gather"]
    )
    static.unlink()
    per_layer = ", ".join(f"{name.rsplit('/', 1)[-1]} {len(ch)}" for name, ch in outliers.items())
    return {
        "method": (
            f"static QDQ int8 on {len(static_matmuls)} weight MatMuls: weights int8 per output channel, "
            f"activations uint8 per tensor with scales fixed from {len(texts)} validation texts "
            f"(percentile {PERCENTILE}); {weight_only} MatMuls ({', '.join(weight_only_names)}) int8 "
            "weights with fp32 activations; embedding int8 weight-only; attention score/context MatMuls and "
            "the safety/intent heads fp32; "
            + ("MatMul outputs re-quantized to uint8" if quantize_matmul_outputs else "MatMul outputs fp32")
            + (f"; outlier GELU channels moved to an fp32 side path per layer: {per_layer}" if split_outliers else "")
            + (
                f"; only int8 MatMuls read rounded activations ({repointed} other inputs read fp32)"
                if round_only_matmul_inputs
                else ""
            )
        ),
        "outlier_channels": outliers,
        "calibration_texts": len(texts),
        "calibration_padding": "per batch (pad-free)" if pad_free else f"every row to {CALIBRATION_WIDTH} tokens",
        "matmul_outputs": "uint8 per tensor" if quantize_matmul_outputs else "fp32",
        "fp32_inputs_repointed": repointed,
        "batch_invariant": True,
    }
