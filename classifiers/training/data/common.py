"""The example record every data module produces, plus small helpers shared across sources."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

Span = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Example:
    """One training/eval text and the supervision it carries.

    ``safety`` holds one value per safety label or ``None`` where that label is unknown for the source
    (e.g. a harmful request is not labelled for toxicity), so the loss can mask it instead of guessing.
    ``intent``/``pii`` are ``None`` when the source says nothing about that task. ``focus`` is a char span a
    training window must contain (the injected attack of a BIPIA document) so cropping never drops the label.
    """

    text: str
    source: str
    safety: tuple[float | None, float | None, float | None] | None = None
    intent: str | None = None
    pii: tuple[Span, ...] | None = None
    focus: tuple[int, int] | None = None


BENIGN = (0.0, 0.0, 0.0)


def data_dir(arg: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the datasets directory: explicit arg, then ``GUARDSTREAM_DATA``, then ``../shared/datasets``."""
    if arg:
        return Path(arg)
    env = os.environ.get("GUARDSTREAM_DATA")
    if env:
        return Path(env)
    return (REPO_ROOT / ".." / "shared" / "datasets").resolve()


def stable_fraction(key: str, seed: int) -> float:
    """Deterministic pseudo-random number in [0, 1) from a key, independent of iteration order."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(key: str, seed: int, val: float = 0.1, test: float = 0.1) -> str:
    """Assign a group key to train/val/test; hashing keeps the split stable when sources are added."""
    u = stable_fraction(key, seed)
    if u < test:
        return "test"
    if u < test + val:
        return "val"
    return "train"


_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Case/punctuation-insensitive form used for exact-duplicate and exclusion checks."""
    return _WS.sub(" ", re.sub(r"[^\w\s]", " ", text.lower())).strip()
