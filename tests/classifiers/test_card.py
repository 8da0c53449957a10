"""Model cards rendered from a bundle's own metrics: what a reader is told about versions without notes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from classifiers.bundle import load_manifest, write_manifest
from classifiers.training.card import write_card

pytestmark = pytest.mark.model


def _copy_as_version(bundle_dir: Path, tmp_path: Path, version: str) -> Path:
    copy = tmp_path / "bundle"
    shutil.copytree(bundle_dir, copy)
    man = load_manifest(copy)
    man.version = version
    write_manifest(copy, man)
    return copy


def test_candidate_card_says_it_is_unreleased_and_makes_no_old_claims(bundle_dir: Path, tmp_path: Path) -> None:
    """A candidate bundle (a version with no release notes) must not inherit v0.1's limitations, which state
    facts about a different run ("trained for 1.5 epochs", "~79% flagged")."""
    copy = _copy_as_version(bundle_dir, tmp_path, "9.9.9")
    metrics = json.loads((copy / "metrics.json").read_text())
    write_card(copy, metrics)
    card = (copy / "MODEL_CARD.md").read_text()
    assert card.startswith("# guard-multitask 9.9.9")
    assert "unreleased candidate" in card
    assert "1.5 epochs" not in card and "79%" not in card
    in_scope = metrics["gaps"]["intent.in_scope_accuracy"]["value"]
    assert f"| intent.in_scope_accuracy | {in_scope:.3f} |" in card
    load_manifest(copy)  # the card rewrote the manifest's metrics; the bundle still verifies
