"""Settings: file < aliases < nested env < explicit overrides; secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardstream.pipeline.config import load_settings
from guardstream.pipeline.errors import ConfigError


def test_file_then_env_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("kafka: {bootstrap_servers: file:9092}\nbatch: {size: 10, window_ms: 5}\n")
    settings = load_settings(config)
    assert settings.kafka.bootstrap_servers == "file:9092" and settings.batch.size == 10

    monkeypatch.setenv("GUARDSTREAM_KAFKA_BOOTSTRAP", "alias:9092")
    monkeypatch.setenv("GUARDSTREAM_BATCH__SIZE", "20")
    settings = load_settings(config)
    assert settings.kafka.bootstrap_servers == "alias:9092"
    assert settings.batch.size == 20 and settings.batch.window_ms == 5

    settings = load_settings(config, batch__size=30)
    assert settings.batch.size == 30


def test_sasl_secret_is_masked_and_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARDSTREAM_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("GUARDSTREAM_KAFKA__SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("GUARDSTREAM_KAFKA__SASL_USERNAME", "svc")
    monkeypatch.setenv("GUARDSTREAM_KAFKA__SASL_PASSWORD", "hunter2-very-secret")
    settings = load_settings()
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert settings.kafka.client_kwargs()["sasl_plain_password"] == "hunter2-very-secret"


def test_incomplete_sasl_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARDSTREAM_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(ConfigError, match="SASL needs"):
        load_settings()


def test_unknown_config_keys_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("batch: {sise: 10}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: batch\.sise: Extra inputs"):
        load_settings(config)
