"""CLINC150 (oos_plus): intent supervision; every utterance is also a safety-benign example."""

from __future__ import annotations

import json
from pathlib import Path

from guardstream.classifiers.training.data.common import BENIGN, Example, stable_fraction

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


OOS_HOLDOUT_SEED = 150


def hold_out_oos_train(rows: list[Example], fraction: float) -> tuple[list[Example], list[Example]]:
    """Move ``fraction`` of CLINC's oos_train utterances (chosen by a hash of the text) out of training.

    Why: the intent threshold keeps a floor on validation oos recall, and oos_val has only 100 utterances,
    a ±3-point standard error at 0.9 recall. Scoring the threshold on oos_val plus a held-out share of
    oos_train (same collection, never trained on) gives the floor a steadier estimate. The held-out rows are
    returned relabelled as source ``clinc/oos_train_heldout`` for validation.
    """
    if fraction <= 0:
        return rows, []
    held = {
        i
        for i, r in enumerate(rows)
        if r.source == "clinc/oos_train" and stable_fraction(f"clinc-oos:{r.text}", OOS_HOLDOUT_SEED) < fraction
    }
    kept = [r for i, r in enumerate(rows) if i not in held]
    moved = [
        Example(text=rows[i].text, source="clinc/oos_train_heldout", safety=BENIGN, intent=rows[i].intent)
        for i in sorted(held)
    ]
    return kept, moved
