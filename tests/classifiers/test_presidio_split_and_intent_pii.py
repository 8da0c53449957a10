"""The PII test split is template-disjoint from training, and PII-bearing intent examples keep their label."""

from __future__ import annotations

import re

import numpy as np
import pytest

from guardstream.classifiers.training.calibrate import threshold_at_recall
from guardstream.classifiers.training.data import intent_pii, presidio
from guardstream.classifiers.training.data.common import Example


def test_presidio_template_split_is_disjoint_and_covers_every_row(datasets) -> None:
    test, train = presidio.load_presidio(datasets, "test"), presidio.load_presidio(datasets, "train")
    assert len(test) + len(train) == len(presidio.load_presidio(datasets, "all")) == 1500
    test_ids = {r.source for r in test}
    assert test_ids.isdisjoint({r.source for r in train})
    assert 0.35 < len(test) / 1500 < 0.65  # about half, by template
    assert len(presidio.load_presidio_out_of_scope(datasets, "test")) == len(test)


def test_generated_pii_uses_only_train_templates(datasets) -> None:
    train = presidio.train_templates(datasets)
    assert train and not any(presidio.is_test_template(i) for i, _ in train)
    test_ids = set(presidio.test_template_ids(datasets))
    assert test_ids.isdisjoint(i for i, _ in train)
    patterns = [
        re.compile("^" + re.sub(r"\{\{\w+\}\}", "(?s:.*)", re.escape(t).replace(r"\{", "{").replace(r"\}", "}")) + "$")
        for _, t in train
    ]
    rows = presidio.generate_from_train_templates(datasets, 300, seed=3)
    assert len(rows) == 300
    for r in rows:
        assert any(p.match(r.text) for p in patterns), r.text
        for start, end, label in r.pii or ():
            assert end > start and r.text[start:end].strip() == r.text[start:end]
            assert label in presidio.TYPE_MAP.values()


def test_generated_rows_label_names_and_places(datasets) -> None:
    rows = presidio.generate_from_train_templates(datasets, 400, seed=5)
    labels = {lbl for r in rows for *_, lbl in r.pii or ()}
    assert {"PERSON", "LOCATION", "DATE_TIME"} <= labels


def test_pii_spliced_into_intent_utterances_keeps_the_intent() -> None:
    base = [
        Example(text="my card was declined at the store", source="clinc/train", intent="card_declined"),
        Example(text="what is the weather in paris", source="clinc/train", intent="weather"),
    ]
    rows = intent_pii.with_pii(base, 200, seed=1)
    assert len(rows) == 200
    by_text = {b.text: b.intent for b in base}
    for r in rows:
        assert r.pii is None  # PII labels unknown: the utterance may hold unlabelled names/places
        assert r.source.endswith("+pii")
        assert any(orig.split()[0] in r.text for orig in by_text)
        assert r.text not in by_text
    card_rows = [r for r in rows if r.intent == "card_declined"]
    assert any(re.search(r"card \d", r.text) for r in card_rows), "inline card numbers after 'card'"


@pytest.mark.parametrize("recall", [0.5, 0.9, 0.95, 1.0])
def test_threshold_at_recall_keeps_at_least_that_recall(recall: float) -> None:
    pos = np.random.default_rng(0).random(101)
    t = threshold_at_recall(pos, recall)
    assert (pos >= t).mean() >= recall
    # and it is the highest such threshold: raising it to the next score loses recall
    higher = pos[pos > t]
    if len(higher):
        assert (pos >= higher.min()).mean() < recall


def test_oos_holdout_moves_only_oos_train_and_is_stable(datasets) -> None:
    """The held-out oos utterances validate the intent threshold: they must leave training entirely."""
    from guardstream.classifiers.training.data import intent

    rows = intent.load_clinc(datasets, "train")
    kept, moved = intent.hold_out_oos_train(rows, 0.5)
    assert len(kept) + len(moved) == len(rows)
    assert {r.text for r in moved}.isdisjoint(r.text for r in kept if r.intent == "oos")
    assert {r.intent for r in moved} == {"oos"} and {r.source for r in moved} == {"clinc/oos_train_heldout"}
    n_oos = sum(r.intent == "oos" for r in rows)
    assert 0.35 < len(moved) / n_oos < 0.65
    assert sum(r.intent != "oos" for r in kept) == len(rows) - n_oos  # in-scope training rows untouched
    assert [r.text for r in intent.hold_out_oos_train(rows, 0.5)[1]] == [r.text for r in moved]
    assert intent.hold_out_oos_train(rows, 0.0) == (rows, [])


def test_validation_templates_come_from_the_train_side_and_leave_training(datasets) -> None:
    """PII validation on unseen sentence shapes: held-out train-side templates, never a test one."""
    frac = 0.3
    train = presidio.load_presidio(datasets, "train", val_fraction=frac)
    val = presidio.load_presidio(datasets, "val", val_fraction=frac)
    test = presidio.load_presidio(datasets, "test", val_fraction=frac)
    assert len(train) + len(val) == len(presidio.load_presidio(datasets, "train"))
    assert test == presidio.load_presidio(datasets, "test")  # the test split never moves
    train_ids, val_ids = {r.source for r in train}, {r.source for r in val}
    assert val_ids and train_ids.isdisjoint(val_ids) and val_ids.isdisjoint(r.source for r in test)
    assert 0.15 < len(val_ids) / (len(val_ids) + len(train_ids)) < 0.45
    kept = {i for i, _ in presidio.train_templates(datasets, val_fraction=frac)}
    assert {f"presidio/{i}" for i in kept} >= train_ids and not {f"presidio/{i}" for i in kept} & val_ids
    assert presidio.load_presidio(datasets, "val") == []  # off unless asked for


def test_corpus_puts_held_out_template_rows_in_validation_only(datasets) -> None:
    from guardstream.classifiers.training.data.build import PRESIDIO_VAL_SOURCE, build_corpus

    corpus = build_corpus(datasets, 13, pii_val_templates=0.3)
    held = {r.text for r in corpus.val if r.source == PRESIDIO_VAL_SOURCE}
    assert len(held) > 100
    assert held.isdisjoint(r.text for r in corpus.train)
    assert corpus.stats["params"]["pii_val_templates"] == 0.3
