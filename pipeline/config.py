"""Worker configuration: a YAML file plus ``GUARDSTREAM_*`` environment variables.

Environment variables win over the file so a container can keep one file and override the
broker address or secrets per deployment.  Nested fields use ``__``:
``GUARDSTREAM_KAFKA__SASL_PASSWORD``.  The common ones also have short aliases documented in
the README (``GUARDSTREAM_KAFKA_BOOTSTRAP``, ``GUARDSTREAM_TOPIC_PREFIX``...).  Secrets are
``SecretStr`` so they never show up in reprs, logs or error messages.
"""

from __future__ import annotations

import os
import ssl
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from guardstream.pipeline.errors import ConfigError, validation_lines, yaml_file

CONFIG_FILE_ENV = "GUARDSTREAM_CONFIG"
_INIT_ONLY: ContextVar[bool] = ContextVar("guardstream_settings_init_only", default=False)
# Regions whose national phone formats are recognised without a leading "+country" code.
DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU", "CA", "ES", "IT", "NL")

# Short, documented environment names for the settings operators change most.
_ALIASES: dict[str, tuple[str, ...]] = {
    "GUARDSTREAM_KAFKA_BOOTSTRAP": ("kafka", "bootstrap_servers"),
    "GUARDSTREAM_TOPIC_PREFIX": ("topics", "prefix"),
    "GUARDSTREAM_BATCH_SIZE": ("batch", "size"),
    "GUARDSTREAM_BATCH_WINDOW_MS": ("batch", "window_ms"),
    "GUARDSTREAM_POLICY": ("policy_path",),
    "GUARDSTREAM_MODEL_DIR": ("model_dir",),
    "GUARDSTREAM_HASH_SALT": ("hash_salt",),
    "GUARDSTREAM_DEAD_LETTER_KEY": ("dead_letter", "encryption_key"),
    "GUARDSTREAM_AUDIT_KEY": ("audit", "key"),
    "GUARDSTREAM_WORKER_ID": ("audit", "writer_id"),
    "GUARDSTREAM_SHADOW_POLICY": ("shadow_policy_path",),
    "GUARDSTREAM_SHADOW_MODEL_DIR": ("shadow_model_dir",),
}


class KafkaSettings(BaseModel):
    """How to reach the cluster. SASL/SSL fields map 1:1 onto aiokafka's arguments."""

    model_config = ConfigDict(extra="forbid")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    session_timeout_s: float = Field(default=10.0, gt=0)
    # How long the producer retries a send on its own before the worker's backoff loop takes over.
    request_timeout_s: float = Field(default=30.0, gt=0)
    client_id: str = "guardstream"

    @model_validator(mode="after")
    def _sasl_complete(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            raise ValueError("SASL needs kafka.sasl_mechanism, kafka.sasl_username and kafka.sasl_password")
        return self

    def ssl_context(self) -> ssl.SSLContext | None:
        if "SSL" not in self.security_protocol:
            return None
        for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            value = getattr(self, name)
            if value is not None and not Path(value).is_file():
                raise ConfigError(f"kafka.{name}: no such file: {value}")
        context = ssl.create_default_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)
        if self.ssl_certfile:
            context.load_cert_chain(str(self.ssl_certfile), str(self.ssl_keyfile) if self.ssl_keyfile else None)
        return context

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka producers/consumers/admin clients."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "client_id": self.client_id,
        }
        if self.sasl_mechanism:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = self.sasl_password.get_secret_value() if self.sasl_password else None
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl_context"] = context
        return kwargs


class TopicSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefix: str = "guardstream"
    partitions: int = Field(default=4, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1)
    create: bool = True


class BatchSettings(BaseModel):
    """Micro-batching: bigger batches amortise the model call, the window bounds added latency."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(default=128, ge=1, le=10_000)
    window_ms: int = Field(default=20, ge=1, le=60_000)


class LimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_message_bytes: int = Field(default=1_048_576, ge=1024)
    max_json_depth: int = Field(default=32, ge=2, le=512)


class DeadLetterSettings(BaseModel):
    """The dead-letter topic keeps original bytes: cap their size, optionally encrypt them."""

    model_config = ConfigDict(extra="forbid")

    # base64 grows data by 4/3: 700 kB keeps a record under Kafka's default 1 MB message limit.
    max_original_bytes: int = Field(default=700_000, ge=1024)
    encryption_key: SecretStr | None = None


class AuditSettings(BaseModel):
    """The audit trail's hash chains (see ``guardstream audit verify``)."""

    model_config = ConfigDict(extra="forbid")

    # HMAC-SHA256 key of the chain links; without one the links are plain SHA-256 (no proof against forgers).
    key: SecretStr | None = None
    # Names this worker's chains; default host-pid (a pod's name in Kubernetes). A run id is always appended.
    writer_id: str | None = Field(default=None, pattern=r"^[!-~]{1,120}$")


class Settings(BaseSettings):
    """All worker settings; see the README's Configuration section."""

    model_config = SettingsConfigDict(env_prefix="GUARDSTREAM_", env_nested_delimiter="__", extra="forbid")

    app_id: str = "guardstream"
    # "direct": whole-fetch batches on aiokafka, guarding overlapped with delivery (default; ~6% more
    # throughput measured); "faust": the faust agent. Same delivery guarantees, same consumer group protocol.
    engine: Literal["direct", "faust"] = "direct"
    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    batch: BatchSettings = BatchSettings()
    limits: LimitSettings = LimitSettings()
    dead_letter: DeadLetterSettings = DeadLetterSettings()
    audit: AuditSettings = AuditSettings()
    policy_path: Path | None = None
    # How often the worker looks at policy_path for a new version (hot reload); 0 turns reloading off.
    policy_reload_interval_s: float = Field(default=1.0, ge=0.0, le=60.0)
    model_dir: Path | None = None
    # Shadow evaluation: a candidate policy and/or challenger bundle decides next to the live ones, unacted.
    shadow_policy_path: Path | None = None
    shadow_model_dir: Path | None = None
    intra_op_threads: int | None = Field(default=None, ge=1, le=256)
    phone_regions: list[str] = Field(default_factory=lambda: list(DEFAULT_PHONE_REGIONS))
    # PII of text that is not English comes from the multilingual model (the built-in head is English-only);
    # "all" uses it for English too (fewer names missed, ~4x the PII cost), "off" never.
    multilingual_pii: Literal["off", "non_english", "all"] = "non_english"
    hash_salt: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # Where /metrics, /healthz and /readyz listen: 0.0.0.0 in a container, so probes and Prometheus reach it.
    metrics_host: str = "127.0.0.1"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["console", "json"] = "console"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init (the merged file + aliases) < env; see load_settings. When re-validating with
        # explicit overrides, env was already applied, so only the given values count.
        if _INIT_ONLY.get():
            return (init_settings,)
        return (env_settings, init_settings)


def _set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = target
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from (lowest to highest) the config file, short aliases, ``GUARDSTREAM_*``
    nested variables and explicit ``overrides`` (used by the CLI and the demo)."""
    path = config_file or os.environ.get(CONFIG_FILE_ENV)
    data: dict[str, Any] = {}
    if path:
        loaded = yaml_file(path)
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a config file must hold a mapping")
        data = loaded or {}
    for env_name, target in _ALIASES.items():
        if env_name in os.environ:
            _set_path(data, target, os.environ[env_name])
    where = f"{path}: " if path else "settings: "
    try:
        settings = Settings(**data)
    except ValidationError as error:
        raise ConfigError(where + validation_lines(error)) from None
    if overrides:
        merged = settings.model_dump()
        for dotted, value in overrides.items():
            _set_path(merged, tuple(dotted.split("__")), value)
        token = _INIT_ONLY.set(True)
        try:
            settings = Settings(**merged)
        except ValidationError as error:
            raise ConfigError(where + validation_lines(error)) from None
        finally:
            _INIT_ONLY.reset(token)
    return settings
