"""Shared fixtures for the ``topics`` tests.

pytest's default import mode puts only this folder on ``sys.path`` and the project is not
necessarily installed in the virtualenv, so the repository root is added here to make
``import topics`` work from a plain ``pytest tests/topics`` run.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# A fake card number planted in payloads; error details must never contain it.
SECRET = "4111111111111111"


@pytest.fixture
def secret() -> str:
    return SECRET
