"""``--pii-documents-injected``: injected twins of the document-style PII sentences, so letters and forms do not
teach the shared encoder that document-shaped text is benign."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardstream.classifiers.training.data import bipia
from guardstream.classifiers.training.data.build import INJECTED_DOCUMENTS_SOURCE, build_corpus


@pytest.fixture(scope="module")
def corpus(datasets: Path):
    return build_corpus(datasets, 13, pii_documents=400, pii_documents_injected=0.5, bipia_val_holdout=0.2)


def test_injected_copies_carry_one_train_attack_and_train_safety_alone(datasets: Path, corpus) -> None:
    split = bipia.split_train(datasets, 0.2)
    injected = [e for e in corpus.train if e.source == INJECTED_DOCUMENTS_SOURCE]
    assert 150 <= len(injected) <= 250  # about half of the 400 documents
    assert all(e.safety == bipia.INDIRECT and e.pii is None and e.focus for e in injected)
    attacks = [e.text[e.focus[0] : e.focus[1]] for e in injected]
    assert set(attacks) <= set(split.train_attacks["text"])  # never an attack held out for validation
    # the rest of each copy is one of the clean training documents, which stay in training as they were
    # (compared without whitespace: the splice adds a separator on each side of the attack)
    clean = {"".join(e.text.split()) for e in corpus.train if e.source.startswith("pii_synth") and e.pii is not None}
    stripped = ["".join((e.text[: e.focus[0]] + e.text[e.focus[1] :]).split()) for e in injected]
    assert all(s in clean for s in stripped)
    assert corpus.stats["params"]["pii_documents_injected"] == 0.5
    assert not [e for e in corpus.val if e.source == INJECTED_DOCUMENTS_SOURCE]  # validation is left as it was


def test_off_by_default(datasets: Path) -> None:
    plain = build_corpus(datasets, 13, pii_documents=400)
    assert not [e for e in plain.train if e.source == INJECTED_DOCUMENTS_SOURCE]
