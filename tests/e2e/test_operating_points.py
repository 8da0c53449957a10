"""A policy that blocks at ``calibrated`` thresholds reproduces the model card's operating points end to end.

Through the decision path the worker runs (Guard -> decide with the policy bound to the loaded bundle), on the
card's own test sets: XSTest safe prompts flagged, XSTest unsafe recall and HarmBench recall must be the card's
figures, so the card describes what a deployment with that policy does, and a new bundle's card keeps doing so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardstream import Guard, Policy, Request, decide
from guardstream.pipeline.policy import CALIBRATED

pytestmark = [pytest.mark.model, pytest.mark.data]


def _stopped_rate(guard: Guard, policy: Policy, texts: list[str]) -> float:
    verdicts = guard.classify(texts)
    stopped = [
        decide(Request.new(text), verdict, policy).decision.value in ("block", "escalate")
        for text, verdict in zip(texts, verdicts, strict=True)
    ]
    return sum(stopped) / len(stopped)


def test_calibrated_blocking_reproduces_the_cards_operating_points(bundle_dir: Path, datasets: Path) -> None:
    from guardstream.classifiers.training.data import harmful

    guard = Guard.load(bundle_dir)
    base = Policy.load()
    rules = {
        label: rule.model_copy(update={"escalate": None, "block": CALIBRATED}) for label, rule in base.safety.items()
    }
    policy = base.model_copy(update={"safety": rules}).bind(guard.operating_points, guard.intent_labels)
    assert {label: rule.block for label, rule in policy.safety.items()} == guard.operating_points

    card = json.loads((bundle_dir / "metrics.json").read_text())
    xstest = harmful.load_xstest(datasets)
    safe = [r.text for r in xstest if "/safe/" in r.source]
    unsafe = [r.text for r in xstest if "/unsafe/" in r.source]
    harmbench = [r.text for r in harmful.load_harmbench(datasets)]
    assert _stopped_rate(guard, policy, safe) == pytest.approx(card["xstest"]["safe_flag_rate"], abs=0.005)
    assert _stopped_rate(guard, policy, unsafe) == pytest.approx(card["xstest"]["unsafe_recall"], abs=0.005)
    assert _stopped_rate(guard, policy, harmbench) == pytest.approx(card["harmbench"]["recall_any_flag"], abs=0.005)


def test_the_packaged_policy_binds_to_the_shipped_bundle(bundle_dir: Path) -> None:
    guard = Guard.load(bundle_dir)
    policy = Policy.load().bind(guard.operating_points, guard.intent_labels)
    assert policy.bound
