"""CLINC150 (oos_plus): intent supervision; every utterance is also a safety-benign example."""

from __future__ import annotations

import json
from pathlib import Path

from classifiers.training.data.common import BENIGN, Example

_SPLITS = {"train": ("train", "oos_train"), "val": ("val", "oos_val"), "test": ("test", "oos_test")}


def load_clinc(root: Path, split: str) -> list[Example]:
    """Official splits unchanged (comparability); test is only ever read by the evaluator."""
    raw = json.loads((root / "clinc_oos" / "data_oos_plus.json").read_text())
    out: list[Example] = []
    for key in _SPLITS[split]:
        out.extend(Example(text=t, source=f"clinc/{key}", safety=BENIGN, intent=lbl) for t, lbl in raw[key])
    return out


def clinc_intents(root: Path) -> list[str]:
    raw = json.loads((root / "clinc_oos" / "data_oos_plus.json").read_text())
    return sorted({lbl for _, lbl in raw["train"]})
