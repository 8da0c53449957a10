"""Message schemas for every guardstream topic (version 1).

These pydantic models are the wire contract: producers write :class:`Request`, LLM workers
read :class:`ForwardedRequest`, reviewers read :class:`QuarantinedRequest`, and compliance
tooling reads :class:`AuditRecord`. The JSON Schema files in ``topics/schema/`` are generated
from them for non-Python clients.

Every model forbids unknown fields and is frozen: a typo in a producer should fail loudly at
the edge rather than be silently dropped, and a message must not change after it was checked.

Privacy rule: only :class:`Request` carries raw content. Forwarded and quarantined requests
carry *redacted* content, the audit record carries none (counts and lengths only), and the
dead-letter record holds the original bytes, which is why that topic is sensitive.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = 1

MAX_CONTENT_CHARS = 1_000_000
MAX_MESSAGES = 2_000
MAX_METADATA_KEYS = 64

# Identifiers end up as Kafka keys and in logs, so they are short, printable and space-free.
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[!-~]+$")]
Tenant = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
MetadataValue = str | int | float | bool | None
Metadata = Annotated[
    dict[Annotated[str, Field(min_length=1, max_length=128)], MetadataValue],
    Field(max_length=MAX_METADATA_KEYS),
]
# Reasons are short machine-readable codes (e.g. "safety.injection"), not prose: the audit
# trail must not become a side channel for request content.
Reason = Annotated[str, Field(min_length=1, max_length=256)]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatMessage(_Model):
    role: Literal["system", "user", "assistant", "tool"]
    content: Annotated[str, Field(max_length=MAX_CONTENT_CHARS)]


class Request(_Model):
    """The envelope producers send to ``{prefix}.requests``.

    Exactly one of ``text`` (a single prompt) or ``messages`` (a chat transcript) is given,
    and it must contain something to classify: an empty prompt is a producer bug, and
    forwarding it would waste an LLM call.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    id: Identifier
    tenant: Tenant
    conversation_id: Identifier | None = None
    text: Annotated[str, Field(max_length=MAX_CONTENT_CHARS)] | None = None
    messages: Annotated[list[ChatMessage], Field(max_length=MAX_MESSAGES)] | None = None
    metadata: Metadata = Field(default_factory=dict)
    created_at: AwareDatetime = Field(default_factory=_utc_now)

    # Emptiness is reported with its own error type ("empty_text") so the envelope parser can
    # dead-letter it as EMPTY_TEXT rather than a generic schema violation.
    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, text: str | None) -> str | None:
        if text is not None and not text.strip():
            raise PydanticCustomError("empty_text", "text must contain non-whitespace characters")
        return text

    @field_validator("messages")
    @classmethod
    def _messages_not_blank(cls, messages: list[ChatMessage] | None) -> list[ChatMessage] | None:
        if messages is not None and not any(m.content.strip() for m in messages):
            raise PydanticCustomError(
                "empty_text", "messages must contain at least one message with non-whitespace content"
            )
        return messages

    @model_validator(mode="after")
    def _exactly_one_payload(self) -> Request:
        if (self.text is None) == (self.messages is None):
            raise PydanticCustomError("text_xor_messages", "exactly one of 'text' or 'messages' is required")
        return self

    def key(self) -> bytes:
        """Kafka key: the conversation if there is one, so its turns stay ordered on one partition."""
        return (self.conversation_id or self.id).encode("utf-8")

    @classmethod
    def new(
        cls,
        text: str | None = None,
        *,
        messages: list[ChatMessage] | list[dict[str, Any]] | None = None,
        tenant: str = "default",
        id: str | None = None,
        conversation_id: str | None = None,
        metadata: dict[str, MetadataValue] | None = None,
    ) -> Request:
        """Convenience constructor for producers that do not mint their own request ids."""
        return cls.model_validate(
            {
                "id": uuid.uuid4().hex if id is None else id,
                "tenant": tenant,
                "conversation_id": conversation_id,
                "text": text,
                "messages": messages,
                "metadata": metadata or {},
            }
        )


class Decision(StrEnum):
    """What the guardrail did with a request."""

    ALLOW = "allow"  # forwarded unchanged
    REDACT = "redact"  # forwarded after PII redaction
    BLOCK = "block"  # refused; written to the blocked topic
    ESCALATE = "escalate"  # held for human review on the escalation topic
    DEAD_LETTER = "dead_letter"  # could not be processed; original bytes on the dead-letter topic


class SafetyScores(_Model):
    injection: Probability
    toxic: Probability
    harmful: Probability


class IntentPrediction(_Model):
    label: str
    confidence: Probability
    in_scope: bool


class PiiSummary(_Model):
    """What PII was found, as counts per entity type. Never the values themselves."""

    counts: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ModelVersions(_Model):
    """Which model, policy and recognizer versions made a decision, so it can be reproduced."""

    model: str
    policy: str
    recognizers: str


class ForwardedRequest(_Model):
    """What LLM workers consume on ``{prefix}.llm.{route}``; content is already redacted."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: Identifier  # the original request id, so workers can correlate replies
    tenant: Tenant
    conversation_id: Identifier | None = None
    text: str | None = None
    messages: list[ChatMessage] | None = None
    route: str
    intent: IntentPrediction
    safety: SafetyScores
    pii: PiiSummary
    decision: Literal[Decision.ALLOW, Decision.REDACT]
    versions: ModelVersions
    metadata: Metadata = Field(default_factory=dict)
    created_at: AwareDatetime
    processed_at: AwareDatetime


class QuarantinedRequest(_Model):
    """A blocked or escalated request on the blocked/escalation topics; redacted content only."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: Identifier
    tenant: Tenant
    conversation_id: Identifier | None = None
    text: str | None = None
    messages: list[ChatMessage] | None = None
    decision: Literal[Decision.BLOCK, Decision.ESCALATE]
    reasons: list[Reason]
    intent: IntentPrediction | None = None
    safety: SafetyScores
    pii: PiiSummary
    versions: ModelVersions
    created_at: AwareDatetime
    processed_at: AwareDatetime


class SourcePosition(_Model):
    """Where an input message came from, so an audit or dead-letter entry can be traced back."""

    topic: str
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]


class ShadowDecision(_Model):
    """What a candidate policy and/or challenger model would have decided; it changed nothing.

    Recorded next to the live decision so a stricter policy or a new bundle can be judged on real
    traffic before it acts (``guardstream audit diff``).
    """

    decision: Decision
    reasons: list[Reason]
    route: str | None = None
    policy: str  # the candidate's effective policy version
    model: str  # the model version that scored the message (the live one when only the policy is shadowed)


class PolicyChange(_Model):
    """Set on the first audit record a worker writes after it hot-reloaded its policy: the reload, audited."""

    previous: str
    current: str
    reloaded_at: AwareDatetime


Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ChainLink(_Model):
    """This record's link in its writer's hash chain (``guardstream audit verify`` checks them).

    One chain per writer run and audit partition (``chain`` names both), so several workers can write
    the same partitions and a restarted worker starts a new chain instead of guessing where the old one
    ended. ``mac`` is HMAC-SHA256 (``alg`` "hmac-sha256", with ``GUARDSTREAM_AUDIT_KEY``) or plain
    SHA-256 ("sha256", no key: catches accidents, not forgers) over the record's canonical JSON without
    ``mac``; it covers ``prev``, the previous record's ``mac``, so an edit anywhere breaks every later link.
    """

    chain: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[!-~]+$")]
    partition: Annotated[int, Field(ge=0)]
    seq: Annotated[int, Field(ge=0)]
    prev: Digest | None  # None for the first record of a chain
    alg: Literal["hmac-sha256", "sha256"]
    mac: Digest


class AuditRecord(_Model):
    """One record per input message, whatever happened to it.

    Deliberately holds no free text: no content, no metadata, no PII values, only the
    content length. That keeps the audit topic safe to retain for a long time and to expose
    to dashboards.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    request_id: Identifier | None  # None when the input could not be parsed
    tenant: Tenant | None
    decision: Decision
    reasons: list[Reason]
    output_topic: str
    route: str | None = None
    intent: IntentPrediction | None = None
    safety: SafetyScores | None = None
    pii: PiiSummary
    versions: ModelVersions
    timings_ms: dict[str, Annotated[float, Field(ge=0.0)]]
    source: SourcePosition
    text_chars: Annotated[int, Field(ge=0)]
    processed_at: AwareDatetime
    shadow: ShadowDecision | None = None  # set when a shadow policy or challenger model runs
    policy_change: PolicyChange | None = None  # set on the first record decided after a policy reload
    chain: ChainLink | None = None  # set by the worker; None only in records built outside one


class DeadLetterReason(StrEnum):
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    SCHEMA_VIOLATION = "schema_violation"
    EMPTY_TEXT = "empty_text"
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    PROCESSING_ERROR = "processing_error"


DeadLetterStage = Literal["parse", "validate", "classify", "produce"]


class DeadLetterRecord(_Model):
    """An input the guardrail could not process.

    SENSITIVE: ``original_b64`` is the original message bytes, unredacted; it is the only
    place in guardstream where raw content is kept, so it can be replayed after a fix.
    Restrict access to the dead-letter topic and keep its retention short. ``detail`` is
    written for operators and never echoes the payload.

    When the deployment configures a dead-letter key, ``encrypted`` is true and
    ``original_b64`` holds a Fernet token (AES-128-CBC + HMAC-SHA256) of the original bytes
    instead of the bytes themselves. Originals larger than the configured cap are cut to it
    (``original_truncated``); ``original_size`` and ``original_sha256`` always describe the
    full original so an operator can match it against the producer's copy.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    reason: DeadLetterReason
    detail: str
    stage: DeadLetterStage
    source: SourcePosition
    original_key_b64: str | None
    original_b64: str
    original_size: Annotated[int, Field(ge=0)] | None = None
    original_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    original_truncated: bool = False
    encrypted: bool = False
    failed_at: AwareDatetime = Field(default_factory=_utc_now)
