"""Shared fixtures for the PII tests (kept here so tests/ needs no package files)."""

from __future__ import annotations

import pytest

from classifiers.pii import RecognizerRegistry


@pytest.fixture(scope="session")
def registry() -> RecognizerRegistry:
    return RecognizerRegistry.default()
