"""Lets the model tests run against a candidate bundle before it replaces the committed one.

``GUARDSTREAM_BUNDLE=runs/gm-v3/bundle pytest tests/classifiers -q`` checks a freshly trained bundle with
exactly the tests the committed bundle must pass; without the variable the committed bundle is used.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    override = os.environ.get("GUARDSTREAM_BUNDLE")
    path = Path(override) if override else REPO_ROOT / "classifiers" / "models" / "guard-multitask"
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path / "manifest.json").exists():
        pytest.skip(f"model bundle missing at {path}; train it with classifiers.training.train")
    return path
