"""Shared fixtures for the ``guardstream.topics`` tests."""

import pytest

# A fake card number planted in payloads; error details must never contain it.
SECRET = "4111111111111111"


@pytest.fixture
def secret() -> str:
    return SECRET
