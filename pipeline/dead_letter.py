"""Keeps dead-lettered originals safe to store: size-capped and, if configured, encrypted.

The dead-letter topic is the one place raw request bytes are kept (so nothing is lost and
a fixed worker can replay them). Two risks follow: a huge original makes a record too
large for Kafka (and a produce that can never succeed would stall the partition), and the
raw bytes are sensitive. So originals are cut to a cap, with size and SHA-256 of the full
original recorded, and can be encrypted with a Fernet key the operator configures.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from guardstream.topics import DeadLetterRecord


class DeadLetterKeyError(ValueError):
    """The configured dead-letter key is not a valid Fernet key (the key is never echoed)."""


def _fernet(key: SecretStr) -> Fernet:
    try:
        return Fernet(key.get_secret_value().encode())
    except (ValueError, TypeError):
        raise DeadLetterKeyError(
            "the dead-letter key must be 32 url-safe base64-encoded bytes (generate one with "
            "'guardstream dead-letter keygen')"
        ) from None


class DeadLetterSealer:
    """Caps and optionally encrypts ``original_b64`` of dead-letter records."""

    def __init__(self, max_original_bytes: int, key: SecretStr | None = None):
        self.max_original_bytes = max_original_bytes
        self._fernet = _fernet(key) if key is not None else None

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, record: DeadLetterRecord, original: bytes) -> DeadLetterRecord:
        kept = original[: self.max_original_bytes]
        payload = self._fernet.encrypt(kept) if self._fernet is not None else kept
        return record.model_copy(
            update={
                "original_b64": base64.b64encode(payload).decode("ascii"),
                "original_size": len(original),
                "original_sha256": hashlib.sha256(original).hexdigest(),
                "original_truncated": len(kept) < len(original),
                "encrypted": self._fernet is not None,
            }
        )


def open_original(record: DeadLetterRecord, key: SecretStr | None = None) -> bytes:
    """The original bytes of a dead-letter record (decrypted when it is encrypted)."""
    payload = base64.b64decode(record.original_b64)
    if not record.encrypted:
        return payload
    if key is None:
        raise DeadLetterKeyError("this dead-letter record is encrypted; a key is needed to open it")
    try:
        return _fernet(key).decrypt(payload)
    except InvalidToken:
        raise DeadLetterKeyError("the dead-letter key does not open this record") from None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
