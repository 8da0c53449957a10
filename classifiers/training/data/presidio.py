"""presidio_synth as the PII evaluation set, restricted to our entity types (GPE → LOCATION)."""

from __future__ import annotations

import json
from pathlib import Path

from classifiers.training.data.common import Example
from classifiers.training.labels import PII_TYPES

TYPE_MAP = {"GPE": "LOCATION", **{t: t for t in PII_TYPES}}


def load_presidio(root: Path) -> list[Example]:
    """All 1,500 samples; spans of types outside our label set are dropped (not scored either way)."""
    rows = json.loads((root / "presidio_synth" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
    out: list[Example] = []
    for r in rows:
        spans = tuple(
            (s["start_position"], s["end_position"], TYPE_MAP[s["entity_type"]])
            for s in r["spans"]
            if s["entity_type"] in TYPE_MAP
        )
        out.append(Example(text=r["full_text"], source=f"presidio/{r['template_id']}", pii=spans))
    return out


def load_presidio_out_of_scope(root: Path) -> list[tuple[tuple[int, int], ...]]:
    """Char ranges of gold entities whose type we do not model (STREET_ADDRESS, ORGANIZATION, ...), per text.

    Used for a secondary score that ignores predictions inside them: tagging part of a street address as
    LOCATION is not a false positive on PII-free text.
    """
    rows = json.loads((root / "presidio_synth" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
    return [
        tuple((s["start_position"], s["end_position"]) for s in r["spans"] if s["entity_type"] not in TYPE_MAP)
        for r in rows
    ]
