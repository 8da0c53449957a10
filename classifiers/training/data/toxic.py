"""Davidson hate/offensive tweets → toxic label via a seeded stratified 80/10/10 split."""

from __future__ import annotations

import csv
import html
import random
from pathlib import Path

from guardstream.classifiers.training.data.common import Example

DAVIDSON_SEED = 20170


def load_davidson(root: Path, seed: int = DAVIDSON_SEED) -> dict[str, list[Example]]:
    """Return {"train","val","test"}; hate(0)/offensive(1) → toxic=1, neither(2) → toxic=0.

    Injection/harmful are set to 0: tweets are neither prompt attacks nor requests for harmful help.
    Stratified per class so the rare hate class is represented in every split.
    """
    by_class: dict[int, list[Example]] = {0: [], 1: [], 2: []}
    with (root / "davidson_hate" / "labeled_data.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cls = int(row["class"])
            text = html.unescape(row["tweet"]).strip()
            by_class[cls].append(
                Example(text=text, source=f"davidson/{cls}", safety=(0.0, 1.0 if cls < 2 else 0.0, 0.0))
            )
    rng = random.Random(seed)
    out: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    for cls in sorted(by_class):
        rows = by_class[cls]
        rng.shuffle(rows)
        n = len(rows)
        n_test, n_val = round(0.1 * n), round(0.1 * n)
        out["test"].extend(rows[:n_test])
        out["val"].extend(rows[n_test : n_test + n_val])
        out["train"].extend(rows[n_test + n_val :])
    return out


def subsample_offensive(rows: list[Example], cap: int, seed: int) -> list[Example]:
    """Offensive tweets are 77% of Davidson; cap them so toxic does not swamp the other safety labels."""
    off = [r for r in rows if r.source == "davidson/1"]
    rest = [r for r in rows if r.source != "davidson/1"]
    random.Random(seed).shuffle(off)
    return rest + off[:cap]
