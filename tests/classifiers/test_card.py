"""Model cards rendered from a bundle's own metrics: what a reader is told about versions without notes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from guardstream.classifiers.bundle import load_manifest, write_manifest
from guardstream.classifiers.training.card import agreement_gaps, write_card

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


def test_card_renders_sweeps_and_confusion_but_the_manifest_keeps_headlines_only(
    bundle_dir: Path, tmp_path: Path
) -> None:
    copy = _copy_as_version(bundle_dir, tmp_path, "9.9.9")
    metrics = json.loads((copy / "metrics.json").read_text())
    if "sweeps" not in metrics:
        pytest.skip("this bundle's metrics.json predates sweeps and confusion summaries; re-run guardstream eval")
    write_card(copy, metrics)
    card = (copy / "MODEL_CARD.md").read_text()
    assert "## Threshold sweeps" in card and "## Confusion summaries" in card
    shipped = metrics["sweeps"]["harmful"]
    assert sum(r["shipped"] for r in shipped) == 1  # the shipped harmful threshold is one bold row
    row = next(r for r in shipped if r["shipped"])
    assert row["harmbench_recall"] == pytest.approx(metrics["harmbench"]["recall"])  # the sweep agrees with the card
    test_metrics = load_manifest(copy).metrics["test"]
    assert "sweeps" not in test_metrics and "confusion" not in test_metrics and "oracle" in test_metrics


def test_agreement_gaps_count_each_decision_and_pii_spans_against_99_percent() -> None:
    gaps = agreement_gaps(
        {
            "clinc_test_intent_decision": 0.9915,
            "clinc_test_harmful_decision": 0.9989,
            "presidio_test_model_spans_identical": 0.91,
            "presidio_test_texts_with_identical_model_spans": 0.94,
        }
    )
    assert set(gaps) == {"int8_agreement.intent", "int8_agreement.harmful", "int8_agreement.pii_spans"}
    assert gaps["int8_agreement.intent"]["met"] and gaps["int8_agreement.harmful"]["met"]
    assert not gaps["int8_agreement.pii_spans"]["met"]
    assert gaps["int8_agreement.pii_spans"]["gap"] == pytest.approx(0.91 - 0.99)


def test_card_lists_the_bundles_int8_agreement_in_the_gap_table(bundle_dir: Path, tmp_path: Path) -> None:
    """An unmet agreement target must show in the gap table like any other, not only deep in the JSON."""
    copy = _copy_as_version(bundle_dir, tmp_path, "9.9.9")
    write_card(copy, json.loads((copy / "metrics.json").read_text()))
    agreement = load_manifest(copy).quantization["test_agreement"]
    spans = agreement["presidio_test_model_spans_identical"]
    card = (copy / "MODEL_CARD.md").read_text()
    met = "yes" if spans >= 0.99 else "no"
    assert f"| int8_agreement.pii_spans | {spans:.3f} | 0.99 | {spans - 0.99:+.3f} | {met} |" in card
    gaps = json.loads((copy / "metrics.json").read_text())["gaps"]
    assert gaps["int8_agreement.intent"]["value"] == agreement["clinc_test_intent_decision"]
