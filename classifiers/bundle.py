"""Model bundle manifest: what a bundle directory contains and proof that it is intact.

The runtime trusts nothing it cannot verify: every file listed in ``manifest.json`` is checked against its
sha256 before a session is created, so a half-copied or tampered model fails loudly at load time instead of
silently producing wrong verdicts in the stream.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from guardstream.classifiers.intent_scope import IntentScore

MANIFEST_NAME = "manifest.json"


class BundleIntegrityError(RuntimeError):
    """A bundle file is missing or its sha256 differs from the manifest."""


class SafetyTask(BaseModel):
    labels: list[str]
    thresholds: dict[str, float]


class IntentTask(BaseModel):
    labels: list[str]
    oos_label: str = "oos"
    threshold: float
    # What ``threshold`` applies to (classifiers.intent_scope); manifests written before the field existed
    # (v0.3.0 and older) mean the best in-scope probability.
    score: IntentScore = "max_prob"


class PiiTask(BaseModel):
    labels: list[str]
    threshold: float


class Tasks(BaseModel):
    safety: SafetyTask
    intent: IntentTask
    pii: PiiTask


class BundleManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    version: str
    created_at: str
    base_model: str
    max_length: int
    files: dict[str, str]
    tasks: Tasks
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    quantization: dict[str, Any] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)

    @property
    def model_file(self) -> str:
        """The single ONNX file in the bundle (there is exactly one by construction)."""
        onnx = [f for f in self.files if f.endswith(".onnx")]
        if len(onnx) != 1:
            raise BundleIntegrityError(f"expected exactly one .onnx file in manifest, got {onnx}")
        return onnx[0]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_manifest(bundle_dir: str | Path, *, verify: bool = True) -> BundleManifest:
    """Parse ``manifest.json`` and (by default) verify the sha256 of every listed file."""
    root = Path(bundle_dir)
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no {MANIFEST_NAME} in bundle directory {root}")
    manifest = BundleManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    if verify:
        verify_files(root, manifest.files)
    return manifest


def verify_files(root: Path, files: dict[str, str]) -> None:
    """Raise ``BundleIntegrityError`` unless every listed file exists with the listed sha256."""
    for name, expected in files.items():
        f = root / name
        if not f.is_file():
            raise BundleIntegrityError(f"bundle {root}: listed file {name!r} is missing")
        actual = sha256_file(f)
        if actual != expected:
            raise BundleIntegrityError(
                f"bundle {root}: sha256 mismatch for {name!r} (manifest {expected[:12]}…, file {actual[:12]}…); "
                "the file was modified or partially copied"
            )


def write_manifest(bundle_dir: str | Path, manifest: BundleManifest) -> Path:
    path = Path(bundle_dir) / MANIFEST_NAME
    path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path
