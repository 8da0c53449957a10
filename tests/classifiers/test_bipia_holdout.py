"""``--bipia-val-holdout``: a BIPIA-style validation set (unseen documents, unseen attack categories) that no
training row may touch, and a default that leaves the shipped recipe's data unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from guardstream.classifiers.training.data import bipia
from guardstream.classifiers.training.data.build import build_corpus
from guardstream.classifiers.training.data.common import Example
from guardstream.classifiers.training.validate import safety_report


def test_split_train_holds_out_contexts_and_whole_attack_categories(datasets: Path) -> None:
    split = bipia.split_train(datasets, 0.2)
    train_ctx = {c for _, c in split.train_contexts}
    val_ctx = {c for _, c in split.val_contexts}
    assert not train_ctx & val_ctx
    assert len(train_ctx) + len(val_ctx) == len(bipia.load_contexts(datasets, "train"))
    for task in ("email", "table", "code"):
        n_val = sum(t == task for t, _ in split.val_contexts)
        n_all = sum(t == task for t, _ in bipia.load_contexts(datasets, "train"))
        assert n_val == round(n_all * 0.2) > 0
    for kind in ("text", "code"):
        cats = json.loads((datasets / "bipia" / f"{kind}_attack_train.json").read_text())
        held = [name for name, attacks in cats.items() if set(attacks) <= set(split.val_attacks[kind])]
        kept = [name for name, attacks in cats.items() if set(attacks) <= set(split.train_attacks[kind])]
        # every category lies wholly on one side, and at least one is held out
        assert len(held) + len(kept) == len(cats) and held
        assert not set(split.train_attacks[kind]) & set(split.val_attacks[kind])
    assert bipia.split_train(datasets, 0.2) == split  # fixed seed: every run holds out the same rows


@pytest.fixture(scope="module")
def held_out_corpus(datasets: Path):
    return build_corpus(datasets, 13, bipia_val_holdout=0.2)


def test_no_training_row_contains_a_held_out_document_or_attack(datasets: Path, held_out_corpus) -> None:
    split = bipia.split_train(datasets, 0.2)
    train_texts = [e.text for e in held_out_corpus.train]
    held_docs = [c for _, c in split.val_contexts]
    held_attacks = split.val_attacks["text"] + split.val_attacks["code"]
    blob = "\n\x00".join(train_texts)
    assert not [d for d in held_docs if d in blob]
    assert not [a for a in held_attacks if a in blob]
    val = [e for e in held_out_corpus.val if e.source.startswith(f"{bipia.VAL_SOURCE}/")]
    assert {e.source.rsplit("/", 1)[1] for e in val} == {"clean", "injected"}
    injected = [e for e in val if e.source.endswith("/injected")]
    assert all(e.safety == bipia.INDIRECT and e.focus for e in injected)
    assert all(e.text[e.focus[0] : e.focus[1]] in held_attacks for e in injected)
    assert held_out_corpus.stats["params"]["bipia_val_holdout"] == 0.2


def test_off_by_default_keeps_the_recipes_bipia_rows(datasets: Path, held_out_corpus) -> None:
    default = build_corpus(datasets, 13)
    assert not [e for e in default.val if e.source.startswith(f"{bipia.VAL_SOURCE}/")]
    default_bipia = {e.text for e in default.train if e.source.startswith("bipia/")}
    assert default_bipia == {e.text for e in bipia.build(datasets, "train", 13, per_context=2)}
    held_bipia = {e.text for e in held_out_corpus.train if e.source.startswith("bipia/")}
    assert len(held_bipia) < len(default_bipia)


def test_validate_reports_bipia_recall_at_the_all_benign_threshold() -> None:
    rows = [Example(text=f"benign {i}", source="clinc/val", safety=(0.0, 0.0, 0.0)) for i in range(200)]
    rows += [
        Example(text=f"doc {i}", source=f"{bipia.VAL_SOURCE}/email/clean", safety=(0.0, 0.0, None)) for i in range(10)
    ]
    rows += [
        Example(text=f"doc {i} + attack", source=f"{bipia.VAL_SOURCE}/email/injected", safety=bipia.INDIRECT)
        for i in range(10)
    ]
    rows += [Example(text=f"jailbreak {i}", source="jailbreak/x", safety=(1.0, 0.0, 0.0)) for i in range(10)]
    probs = np.zeros((len(rows), 3), np.float32)
    probs[:200, 0] = np.linspace(0.0, 0.5, 200)
    probs[200:210, 0] = 0.2  # held-out clean documents, below the 1% FPR threshold
    probs[210:215, 0] = 0.9  # half of the held-out injected documents score above every benign row
    probs[215:220, 0] = 0.1
    probs[220:, 0] = 0.99
    probs[:, 2] = np.linspace(0, 1, len(rows))
    report = safety_report(rows, probs)["injection"]
    assert report["bipia_val_recall_at_1pct_fpr"] == pytest.approx(0.5)
    assert report["bipia_val_clean_flagged"] == 0.0
    assert report["n_bipia_val_injected"] == 10
    assert report["bipia_val_auc"] == pytest.approx(0.5)  # half the injected documents score below the clean ones
    assert report["recall_at_1pct_fpr"] == pytest.approx(15 / 20)  # 10 held-out documents + 10 jailbreaks
