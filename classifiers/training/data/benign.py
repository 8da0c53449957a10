"""Benign prompt sources: self-instruct, banking77, awesome-chatgpt-prompts (reviewed)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from guardstream.classifiers.training.data.common import BENIGN, Example

# Rows the dataset manifest flags as jailbreaks in disguise: relabelled as injection, never benign.
AWESOME_INJECTION_ACTS = frozenset({"Unconstrained AI model DAN", "AI Trying to Escape the Box"})


def load_self_instruct(root: Path) -> list[Example]:
    out: list[Example] = []
    for name in ("seed_tasks.jsonl", "user_oriented_instructions.jsonl"):
        for line in (root / "self_instruct" / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            inst = row["instruction"].strip()
            inp = (row.get("instances") or [{}])[0].get("input", "").strip()
            text = f"{inst}\n{inp}" if inp else inst
            out.append(Example(text=text, source=f"self_instruct/{name.split('_')[0]}", safety=BENIGN))
    return out


def load_banking77(root: Path, n: int, seed: int) -> list[Example]:
    """A sample of banking77 train utterances: extra short, realistic customer traffic for benign."""
    with (root / "banking77" / "train.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r["text"].strip() for r in csv.DictReader(fh)]
    random.Random(seed).shuffle(rows)
    return [Example(text=t, source="banking77", safety=BENIGN) for t in rows[:n]]


def load_awesome(root: Path) -> list[tuple[str, str]]:
    """(act, prompt) pairs, exact duplicates removed; labelling/splitting happens in the dedup step."""
    csv.field_size_limit(10**9)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    with (root / "awesome_chatgpt_prompts" / "prompts.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            prompt = (row.get("prompt") or "").strip()
            if prompt and prompt not in seen:
                seen.add(prompt)
                out.append((row["act"], prompt))
    return out
