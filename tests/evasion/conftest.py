"""Fixtures for the evasion suite: the real guard, the policy threshold and the injection TEST sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardstream.classifiers.guard import Guard
from guardstream.classifiers.inference import GuardModel
from guardstream.classifiers.pii import RecognizerRegistry
from guardstream.pipeline.policy import Policy
from tests.evasion import samples


@pytest.fixture(scope="session")
def guard_model(bundle_dir: Path) -> GuardModel:
    return GuardModel.load(bundle_dir, intra_op_threads=2)


@pytest.fixture(scope="session")
def guard(guard_model: GuardModel) -> Guard:
    return Guard(guard_model, RecognizerRegistry.default())


@pytest.fixture(scope="session")
def escalate_threshold() -> float:
    """Detection bar: the default policy's injection *escalate* threshold (what flags a request in production)."""
    threshold = Policy.load().safety["injection"].escalate
    assert threshold is not None, "the default policy must escalate injections"
    return threshold


@pytest.fixture(scope="session")
def injection_positives(datasets: Path, bundle_dir: Path) -> list[samples.Positive]:
    return samples.injection_positives(datasets, bundle_dir)
