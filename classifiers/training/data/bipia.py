"""BIPIA indirect injection: benign documents with an attack instruction spliced in at a random position."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from guardstream.classifiers.training.data.common import BENIGN, Example

INDIRECT = (1.0, 0.0, None)
VAL_SOURCE = "bipia_val"
VAL_HOLDOUT_SEED = 521  # fixed, so every run (whatever its --seed) holds out the same contexts and categories


def load_contexts(root: Path, split: str) -> list[tuple[str, str]]:
    """(task, context) pairs, exact-duplicate contexts removed (13 email contexts recur across questions)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for task in ("email", "table", "code"):
        for line in (root / "bipia" / task / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            ctx = row["context"]
            if isinstance(ctx, list):
                ctx = "\n".join(ctx)
            ctx = ctx.strip()
            if ctx and ctx not in seen:
                seen.add(ctx)
                out.append((task, ctx))
    return out


def load_attacks(root: Path, split: str) -> dict[str, list[str]]:
    """{"text": [...], "code": [...]} attack strings for the split (train/test attack sets are disjoint)."""
    out: dict[str, list[str]] = {}
    for kind in ("text", "code"):
        cats = json.loads((root / "bipia" / f"{kind}_attack_{split}.json").read_text())
        out[kind] = [a for lst in cats.values() for a in lst]
    return out


def inject(context: str, attack: str, rng: random.Random) -> tuple[str, tuple[int, int]]:
    """Insert the attack at the start, end or a line/sentence boundary; returns text and the attack span."""
    where = rng.random()
    if where < 0.25:
        pos = 0
    elif where < 0.5:
        pos = len(context)
    else:
        cuts = [i + 1 for i, ch in enumerate(context) if ch in "\n."] or [len(context) // 2]
        pos = rng.choice(cuts)
    sep_l = "" if pos == 0 else rng.choice(("\n", " ", "\n\n"))
    sep_r = "" if pos == len(context) else rng.choice(("\n", " ", "\n\n"))
    text = context[:pos] + sep_l + attack + sep_r + context[pos:]
    start = pos + len(sep_l)
    return text, (start, start + len(attack))


@dataclass(frozen=True)
class TrainSplit:
    """BIPIA's train side cut in two, the way its test side differs from it: unseen documents carrying
    attacks from unseen categories (BIPIA's train and test attack categories are disjoint)."""

    train_contexts: list[tuple[str, str]]
    val_contexts: list[tuple[str, str]]
    train_attacks: dict[str, list[str]]
    val_attacks: dict[str, list[str]]


def split_train(root: Path, fraction: float) -> TrainSplit:
    """Hold ``fraction`` of each task's train contexts and of each kind's attack categories (at least one)
    out of training, as a BIPIA-style validation set.

    Why: validation's other injections (held-out jailbreak groups, injections embedded in held-out prompts)
    did not see BIPIA test recall fall from 0.964 to 0.91-0.92 when document-shaped PII text joined training.
    """
    rng = random.Random(VAL_HOLDOUT_SEED)
    contexts = load_contexts(root, "train")
    train_ctx: list[tuple[str, str]] = []
    val_ctx: list[tuple[str, str]] = []
    for task in ("email", "table", "code"):
        mine = [c for c in contexts if c[0] == task]
        held = set(rng.sample(range(len(mine)), round(len(mine) * fraction)))
        train_ctx += [c for i, c in enumerate(mine) if i not in held]
        val_ctx += [c for i, c in enumerate(mine) if i in held]
    train_att: dict[str, list[str]] = {}
    val_att: dict[str, list[str]] = {}
    for kind in ("text", "code"):
        cats = json.loads((root / "bipia" / f"{kind}_attack_train.json").read_text())
        names = sorted(cats)
        held_cats = set(rng.sample(names, max(1, round(len(names) * fraction))))
        train_att[kind] = [a for n in names if n not in held_cats for a in cats[n]]
        val_att[kind] = [a for n in names if n in held_cats for a in cats[n]]
    return TrainSplit(train_ctx, val_ctx, train_att, val_att)


def build(
    root: Path,
    split: str,
    seed: int,
    per_context: int = 1,
    exclude: frozenset[str] = frozenset(),
    *,
    contexts: list[tuple[str, str]] | None = None,
    attacks: dict[str, list[str]] | None = None,
    source: str = "bipia",
) -> list[Example]:
    """Clean contexts (benign) plus ``per_context`` injected copies each (code contexts get code attacks too).

    ``exclude`` drops contexts (the evaluator passes the train contexts so test documents are unseen);
    ``contexts`` and ``attacks`` replace the split's own (one side of :func:`split_train`), and ``source``
    names the rows' family (``VAL_SOURCE`` for the held-out side).
    """
    rng = random.Random(seed)
    attacks = load_attacks(root, split) if attacks is None else attacks
    out: list[Example] = []
    for task, ctx in load_contexts(root, split) if contexts is None else contexts:
        if ctx in exclude:
            continue
        out.append(Example(text=ctx, source=f"{source}/{task}/clean", safety=BENIGN))
        pool = attacks["text"] + (attacks["code"] if task == "code" else [])
        for _ in range(per_context):
            text, span = inject(ctx, rng.choice(pool), rng)
            out.append(Example(text=text, source=f"{source}/{task}/injected", safety=INDIRECT, focus=span))
    return out
