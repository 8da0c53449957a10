"""Shared fixtures: the real embedded broker, and clear skips when a real part is absent."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLE_DIR = REPO_ROOT / "classifiers" / "models" / "guard-multitask"


def data_dir() -> Path:
    return Path(os.environ.get("GUARDSTREAM_DATA", REPO_ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = data_dir()
    if not (path / "MANIFEST.md").exists():
        pytest.skip(f"datasets not found at {path} (set GUARDSTREAM_DATA); CI has them")
    return path


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    if not (BUNDLE_DIR / "manifest.json").exists():
        pytest.skip(f"model bundle missing at {BUNDLE_DIR}; train it with classifiers.training.train")
    return BUNDLE_DIR


@pytest.fixture(scope="session")
def broker() -> Iterator[object]:
    """One real Tansu broker for the session; tests isolate themselves with topic prefixes."""
    from guardstream.pipeline.broker import EmbeddedBroker

    with EmbeddedBroker() as running:
        yield running


@pytest.fixture
def topic_prefix() -> str:
    """A unique topic prefix (and consumer group) per test, so tests never see each other's data."""
    return f"t{uuid.uuid4().hex[:10]}"
