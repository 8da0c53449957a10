"""Shared fixtures for the PII tests."""

from __future__ import annotations

import pytest

from guardstream.classifiers.pii import RecognizerRegistry


@pytest.fixture(scope="session")
def registry() -> RecognizerRegistry:
    return RecognizerRegistry.default()
