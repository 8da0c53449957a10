"""Assemble the multi-task train/val splits (and the safety test pools) from every source family.

One place decides which source lands in which split so the composition recorded in the manifest is exactly
what the trainer saw. Test-only sources (HarmBench, XSTest, CLINC test, BIPIA test, presidio test templates) are
loaded by the evaluator, never here, except the held-out jailbreak/awesome clusters which only exist after dedup.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from guardstream.classifiers.training.data import (
    benign,
    bipia,
    compositional,
    harmful,
    intent,
    intent_pii,
    jailbreak,
    pii_synth,
    presidio,
    safety_contrast,
    safety_pairs,
    safety_synth,
    toxic,
)
from guardstream.classifiers.training.data.common import Example


@dataclass
class Corpus:
    train: list[Example]
    val: list[Example]
    test_jailbreak: list[Example]
    test_awesome: list[Example]
    stats: dict[str, object] = field(default_factory=dict)


def _counts(rows: list[Example]) -> dict[str, int]:
    """Counts per source family (first two path components) for the manifest."""

    def family(r: Example) -> str:
        if r.source.startswith("awesome/"):
            return "awesome/benign" if r.safety == (0.0, 0.0, 0.0) else "awesome/relabelled_injection"
        return "/".join(r.source.split("/")[:2])

    return dict(sorted(Counter(family(r) for r in rows).items()))


PRESIDIO_VAL_SOURCE = "presidio/val_templates"


def _documents(n: int, seed: int, pii_only: bool) -> list[Example]:
    """Document-style PII sentences; ``pii_only`` drops their safety label so they supervise PII alone."""
    rows = pii_synth.generate(n, seed, templates=pii_synth.DOCUMENT_TEMPLATES)
    return [dataclasses.replace(e, safety=None) for e in rows] if pii_only else rows


INJECTED_DOCUMENTS_SOURCE = "pii_synth/injected"


def _injected_documents(docs: list[Example], fraction: float, attacks: list[str], seed: int) -> list[Example]:
    """Copies of a ``fraction`` of the document-style sentences with a BIPIA train attack spliced in, labelled
    as indirect injection (the same construction as BIPIA's injected contexts).

    Why: 4,000 letters, forms and signatures that are all benign taught the shared encoder that document-shaped
    text is safe, and BIPIA test recall fell 0.964 -> 0.91-0.92 (twice). Injected twins of the same documents
    keep "looks like a letter" from predicting "benign". PII stays unknown on the copies (the attack shifts the
    spans and could itself hold entity-like words), so they train safety alone.
    """
    rng = random.Random(seed)
    out: list[Example] = []
    for doc in docs:
        if rng.random() >= fraction:
            continue
        text, span = bipia.inject(doc.text, rng.choice(attacks), rng)
        out.append(Example(text=text, source=INJECTED_DOCUMENTS_SOURCE, safety=bipia.INDIRECT, pii=None, focus=span))
    return out


def corpus_for_run(root: Path, cfg: dict, **overrides: object) -> Corpus:
    """The corpus a run trained on, rebuilt from its ``train_config.json`` (package, validate and the PII
    branch read the same validation split the trainer held out); runs from before a flag existed lack it and
    get its off value. ``overrides`` replace single arguments (the PII branch brings its own documents)."""
    kwargs: dict[str, object] = {
        "safety_contrast_set": cfg.get("safety_contrast", False),
        "safety_pairs_set": cfg.get("safety_pairs", False),
        "safety_pairs_extra": cfg.get("safety_pairs_extra", False),
        "pii_documents": cfg.get("pii_documents", 0),
        "pii_documents_pii_only": cfg.get("pii_documents_pii_only", False),
        "pii_documents_injected": cfg.get("pii_documents_injected", 0.0),
        "oos_holdout": cfg.get("oos_holdout", 0.0),
        "pii_val_templates": cfg.get("pii_val_templates", 0.0),
        "bipia_val_holdout": cfg.get("bipia_val_holdout", 0.0),
    }
    kwargs.update(overrides)
    return build_corpus(root, cfg["seed"], **kwargs)  # type: ignore[arg-type]


def build_corpus(
    root: Path,
    seed: int,
    *,
    pii_train: int = 6000,
    pii_val: int = 600,
    offensive_cap: int = 4000,
    banking_n: int = 2000,
    awesome_repeat: int = 2,
    embedded_n: int = 2000,
    clinc_repeat: int = 2,
    bipia_per_context: int = 2,
    safety_synth_repeat: int = 2,
    intent_pii_n: int = 4000,
    presidio_generated: int = 4000,
    presidio_rows_repeat: int = 2,
    safety_contrast_set: bool = False,
    safety_pairs_set: bool = False,
    safety_pairs_extra: bool = False,
    pii_documents: int = 0,
    pii_documents_pii_only: bool = False,
    pii_documents_injected: float = 0.0,
    oos_holdout: float = 0.0,
    pii_val_templates: float = 0.0,
    bipia_val_holdout: float = 0.0,
) -> Corpus:
    """Build all splits deterministically from ``seed``.

    Long benign prompts (awesome, BIPIA clean) are repeated ``awesome_repeat`` times so long windows are not
    mostly attacks; templates are rendered with distinct requests so repeats of attacks are not exact copies.
    ``clinc_repeat`` (v0.2) shows the 15k short CLINC utterances more often than the rest: intent was the
    most under-trained head in v0.1 and short utterances are cheap batches. ``safety_synth_repeat`` does the
    same for our benign-scary / harmful contrast set, which is small next to the other safety sources.
    ``safety_contrast_set`` (off by default; the shipped recipe turns it on since v0.3 with ``--safety-contrast``)
    adds ``safety_contrast``: slot-filled frames where one filler flips harmful/benign, same repeat. First
    measured on a v0.3 candidate (same seed): HarmBench 0.82 -> 0.935 and XSTest safe flagged 0.66 -> 0.59, but
    injection recall at 1% FPR 0.954 -> 0.935; later runs of the full recipe put HarmBench at 0.82-0.87.
    v0.2 added ``intent_pii_n`` CLINC utterances with personal data spliced in (intent must not move when a card
    number appears) and presidio_synth's TRAIN templates: their labelled rows ``presidio_rows_repeat`` times plus
    ``presidio_generated`` fresh fills; the held-out templates stay the PII test set.
    ``safety_pairs_set`` (off by default; the shipped recipe turns it on since v0.5.0) adds ``safety_pairs``:
    hand-written twin prompts, one benign look-alike and one harmful request sharing their alarming words, split
    by pair; same repeat. ``safety_pairs_extra`` (off by default, not in v0.5.0) adds their third batch.
    ``oos_holdout`` (v0.3, off by default) moves that share of CLINC oos_train to validation, see
    ``intent.hold_out_oos_train``.
    ``pii_documents`` (v0.3, off by default) adds that many sentences from ``pii_synth.DOCUMENT_TEMPLATES``
    (prose, letters, forms, notes) to train, and a tenth as many to validation. They are labelled safety-benign
    like the other PII sentences unless ``pii_documents_pii_only``, which leaves their safety labels unknown (the
    loss masks them): on v0.5.0's recipe the benign letters and forms cost BIPIA test injection recall.
    ``pii_documents_injected`` (off by default) adds injected copies of that share of the training documents,
    each carrying one BIPIA train attack (the train side of ``bipia_val_holdout`` when that is on), labelled
    injection with PII unknown; see ``_injected_documents``.
    ``pii_val_templates`` (v0.4 candidates, off by default) holds that share of presidio's train-side templates out of
    training; their labelled rows join validation as ``presidio/val_templates``, the only PII validation whose
    sentence shapes are unseen (see ``presidio.VAL_TEMPLATE_SEED``).
    ``bipia_val_holdout`` (off by default, not in v0.5.0) holds that share of BIPIA's train contexts and of its
    train attack categories out of training (``bipia.split_train``); the held-out contexts, clean and carrying
    held-out attacks, join validation as ``bipia_val/...``: unseen documents with unseen kinds of attack, like
    BIPIA test.
    """
    adv = harmful.load_advbench(root, seed)
    dna = harmful.load_donotanswer(root, seed)
    jb = jailbreak.split_pool(root, seed)
    dav = toxic.load_davidson(root)
    comp_train, comp_val = compositional.direct_injections(seed)

    train: list[Example] = []
    clinc_train, oos_heldout = intent.hold_out_oos_train(intent.load_clinc(root, "train"), oos_holdout)
    train += clinc_train * clinc_repeat
    train += intent_pii.with_pii(clinc_train, intent_pii_n, seed)
    synth_train, synth_val = safety_synth.build(seed)
    train += synth_train * safety_synth_repeat
    contrast_train, contrast_val = safety_contrast.build(seed) if safety_contrast_set else ([], [])
    train += contrast_train * safety_synth_repeat
    pairs_train, pairs_val = safety_pairs.build(seed, extra=safety_pairs_extra) if safety_pairs_set else ([], [])
    train += pairs_train * safety_synth_repeat
    train += jailbreak.materialize(jb.train, adv["train"], seed, renders=2)
    awesome_train = [e for e in train if e.source.startswith("awesome/") and e.safety == (0.0, 0.0, 0.0)]
    train += awesome_train * (awesome_repeat - 1)
    # Texts without any PII also supervise the PII head (all "O") so it does not tag attack words as entities.
    no_pii = [dataclasses.replace(e, pii=()) for e in comp_train + compositional.hard_negatives()]
    train += no_pii
    bipia_split = bipia.split_train(root, bipia_val_holdout) if bipia_val_holdout else None
    bip = bipia.build(
        root,
        "train",
        seed,
        per_context=bipia_per_context,
        contexts=bipia_split.train_contexts if bipia_split else None,
        attacks=bipia_split.train_attacks if bipia_split else None,
    )
    train += bip
    train += [e for e in bip if e.source.endswith("/clean")] * (awesome_repeat + bipia_per_context - 2)
    train += dna["train"]
    train += [harmful.Example(text=t, source="advbench", safety=harmful.HARMFUL) for t in adv["train"]]
    train += toxic.subsample_offensive(dav["train"], offensive_cap, seed)
    train += benign.load_self_instruct(root)
    train += [dataclasses.replace(e, pii=()) for e in benign.load_banking77(root, banking_n, seed)]
    contexts = [
        e.text
        for e in train
        if e.safety == (0.0, 0.0, 0.0) and e.source.split("/")[0] in {"awesome", "self_instruct", "bipia"}
    ]
    contexts += [" ".join(e.text for e in train[i : i + 6]) for i in range(0, 3000, 6)]
    train += compositional.embedded_injections(comp_train, contexts, seed, embedded_n)
    train += pii_synth.generate(pii_train, seed)
    presidio_rows = [
        dataclasses.replace(e, source="presidio/train_templates")
        for e in presidio.load_presidio(root, "train", val_fraction=pii_val_templates)
    ]
    train += presidio_rows * presidio_rows_repeat
    train += presidio.generate_from_train_templates(root, presidio_generated, seed, val_fraction=pii_val_templates)
    if pii_documents:
        docs = _documents(pii_documents, seed + 17, pii_documents_pii_only)
        train += docs
        if pii_documents_injected:
            doc_attacks = (bipia_split.train_attacks if bipia_split else bipia.load_attacks(root, "train"))["text"]
            train += _injected_documents(docs, pii_documents_injected, doc_attacks, seed + 29)

    val: list[Example] = []
    val += intent.load_clinc(root, "val")
    val += oos_heldout
    val += jailbreak.materialize(jb.val, adv["val"], seed + 1, renders=2)
    val += jailbreak.load_tap_and_sysprompt(root)
    val += comp_val
    val_ctx = [e.text for e in val if e.source.startswith("awesome/") and e.safety == (0.0, 0.0, 0.0)]
    val += compositional.embedded_injections(comp_val, val_ctx, seed + 3, 200)
    val += dna["val"]
    val += synth_val
    val += contrast_val
    val += pairs_val
    val += [harmful.Example(text=t, source="advbench", safety=harmful.HARMFUL) for t in adv["val"]]
    val += dav["val"]
    val += pii_synth.generate(pii_val, seed + 7)
    val += presidio.generate_from_train_templates(root, pii_val // 2, seed + 11, val_fraction=pii_val_templates)
    if pii_val_templates:
        val += [
            dataclasses.replace(e, source=PRESIDIO_VAL_SOURCE)
            for e in presidio.load_presidio(root, "val", val_fraction=pii_val_templates)
        ]
    val += intent_pii.with_pii(intent.load_clinc(root, "val"), 400, seed + 13)
    if pii_documents:
        val += _documents(pii_documents // 10, seed + 19, pii_documents_pii_only)
    if bipia_split:
        val += bipia.build(
            root,
            "train",
            seed + 23,
            per_context=bipia_per_context,
            contexts=bipia_split.val_contexts,
            attacks=bipia_split.val_attacks,
            source=bipia.VAL_SOURCE,
        )

    test_items = jailbreak.materialize(jb.test, adv["val"], seed + 2, renders=2)
    test_jb = [e for e in test_items if not e.source.startswith("awesome/")]
    test_aw = [e for e in test_items if e.source.startswith("awesome/")]

    random.Random(seed).shuffle(train)
    stats = {
        "seed": seed,
        "davidson_split_seed": toxic.DAVIDSON_SEED,
        "dedup": jb.stats,
        "train": _counts(train),
        "val": _counts(val),
        "test_jailbreak_clusters": _counts(test_jb),
        "test_awesome": len(test_aw),
        "n_train": len(train),
        "n_val": len(val),
        "params": {
            "pii_train": pii_train,
            "offensive_cap": offensive_cap,
            "banking_n": banking_n,
            "awesome_repeat": awesome_repeat,
            "embedded_injections": embedded_n,
            "clinc_repeat": clinc_repeat,
            "bipia_per_context": bipia_per_context,
            "safety_synth_repeat": safety_synth_repeat,
            "intent_pii_n": intent_pii_n,
            "presidio_generated": presidio_generated,
            "presidio_rows_repeat": presidio_rows_repeat,
            "safety_contrast_set": safety_contrast_set,
            "safety_pairs_set": safety_pairs_set,
            "safety_pairs_extra": safety_pairs_extra,
            "pii_documents": pii_documents,
            "pii_documents_pii_only": pii_documents_pii_only,
            "pii_documents_injected": pii_documents_injected,
            "presidio_template_split_seed": presidio.TEMPLATE_SPLIT_SEED,
            "pii_val_templates": pii_val_templates,
            "presidio_val_template_seed": presidio.VAL_TEMPLATE_SEED,
            "presidio_test_templates": len(presidio.test_template_ids(root)),
            "bipia_val_holdout": bipia_val_holdout,
            "bipia_val_holdout_seed": bipia.VAL_HOLDOUT_SEED,
        },
    }
    return Corpus(train, val, test_jb, test_aw, stats)
