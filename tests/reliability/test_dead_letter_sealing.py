"""Dead-letter originals: capped to fit Kafka, described by size + SHA-256, optionally encrypted."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import SecretStr

from guardstream.pipeline.dead_letter import DeadLetterKeyError, DeadLetterSealer, generate_key, open_original
from guardstream.topics import EnvelopeError, SourcePosition, dead_letter_record
from guardstream.topics.schemas import DeadLetterReason

SOURCE = SourcePosition(topic="t", partition=0, offset=7)


def record(original: bytes):
    error = EnvelopeError(DeadLetterReason.INVALID_JSON, "not JSON", "parse")
    return dead_letter_record(b"", None, error, SOURCE)


def test_plain_record_keeps_original_and_its_digest() -> None:
    original = b'{"broken": '
    sealed = DeadLetterSealer(1024).seal(record(original), original)
    assert not sealed.encrypted and not sealed.original_truncated
    assert open_original(sealed) == original
    assert sealed.original_size == len(original)
    assert sealed.original_sha256 == hashlib.sha256(original).hexdigest()


def test_oversized_original_is_capped_but_described_in_full() -> None:
    original = b"x" * 5000
    sealed = DeadLetterSealer(1024).seal(record(original), original)
    assert sealed.original_truncated and open_original(sealed) == original[:1024]
    assert sealed.original_size == 5000 and sealed.original_sha256 == hashlib.sha256(original).hexdigest()


def test_encrypted_original_needs_the_right_key() -> None:
    key = SecretStr(generate_key())
    original = b"card 4111 1111 1111 1111 {"
    sealed = DeadLetterSealer(1024, key).seal(record(original), original)
    assert sealed.encrypted and b"4111" not in sealed.original_b64.encode()
    assert open_original(sealed, key) == original
    with pytest.raises(DeadLetterKeyError, match="key is needed"):
        open_original(sealed)
    with pytest.raises(DeadLetterKeyError, match="does not open"):
        open_original(sealed, SecretStr(generate_key()))


def test_bad_key_is_rejected_without_echoing_it() -> None:
    with pytest.raises(DeadLetterKeyError) as info:
        DeadLetterSealer(1024, SecretStr("not-a-fernet-key-zz9"))
    assert "zz9" not in str(info.value)
