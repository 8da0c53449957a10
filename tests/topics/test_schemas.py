from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from guardstream.topics.schemas import (
    AuditRecord,
    ChainLink,
    ChatMessage,
    DeadLetterReason,
    DeadLetterRecord,
    Decision,
    ForwardedRequest,
    IntentPrediction,
    ModelVersions,
    PiiSummary,
    QuarantinedRequest,
    Request,
    SafetyScores,
    ShadowDecision,
    SourcePosition,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def error_types(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e["type"] for e in exc.value.errors()}


def test_new_fills_id_and_defaults() -> None:
    request = Request.new("hello")
    assert len(request.id) == 32
    int(request.id, 16)
    assert request.tenant == "default"
    assert request.schema_version == 1
    assert request.metadata == {}
    assert request.created_at.tzinfo is not None
    assert request.created_at.utcoffset() == timedelta(0)
    assert Request.new("hello").id != request.id


def test_new_with_messages_and_fields() -> None:
    request = Request.new(
        messages=[{"role": "user", "content": "hi"}],
        tenant="acme:eu",
        id="req-1",
        conversation_id="conv-9",
        metadata={"channel": "web"},
    )
    assert request.messages == [ChatMessage(role="user", content="hi")]
    assert (request.id, request.tenant, request.conversation_id) == ("req-1", "acme:eu", "conv-9")


def test_key_prefers_conversation() -> None:
    assert Request.new("x", id="r1").key() == b"r1"
    assert Request.new("x", id="r1", conversation_id="c1").key() == b"c1"


def test_exactly_one_of_text_and_messages() -> None:
    with pytest.raises(ValidationError) as both:
        Request(id="r", tenant="t", text="x", messages=[ChatMessage(role="user", content="y")])
    assert error_types(both) == {"text_xor_messages"}
    with pytest.raises(ValidationError) as neither:
        Request(id="r", tenant="t")
    assert error_types(neither) == {"text_xor_messages"}


@pytest.mark.parametrize(
    "fields",
    [
        {"text": ""},
        {"text": " \n\t "},
        {"messages": []},
        {"messages": [{"role": "user", "content": "  "}, {"role": "system", "content": ""}]},
    ],
)
def test_empty_content_has_its_own_error_type(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as exc:
        Request.model_validate({"id": "r", "tenant": "t", **fields})
    assert error_types(exc) == {"empty_text"}


def test_one_non_blank_message_is_enough() -> None:
    request = Request.new(messages=[{"role": "system", "content": ""}, {"role": "user", "content": "hi"}])
    assert request.messages is not None and len(request.messages) == 2


def test_created_at_must_be_timezone_aware() -> None:
    with pytest.raises(ValidationError) as exc:
        Request(id="r", tenant="t", text="x", created_at=datetime(2025, 1, 1))
    assert error_types(exc) == {"timezone_aware"}
    plus_two = timezone(timedelta(hours=2))
    assert Request(id="r", tenant="t", text="x", created_at=datetime(2025, 1, 1, tzinfo=plus_two))


def test_metadata_value_types() -> None:
    metadata = {"s": "v", "i": 3, "f": 0.5, "b": True, "n": None}
    request = Request.new("x", metadata=metadata)
    assert request.metadata == metadata
    assert request.metadata["b"] is True  # not coerced to 1
    for bad in ([1], {"nested": 1}):
        with pytest.raises(ValidationError):
            Request.new("x", metadata={"k": bad})  # type: ignore[dict-item]
    with pytest.raises(ValidationError):
        Request.new("x", metadata={f"k{i}": i for i in range(65)})
    Request.new("x", metadata={f"k{i}": i for i in range(64)})


@pytest.mark.parametrize("bad_id", ["", "has space", "tab\t", "x" * 129, "nön-ascii"])
def test_id_rules(bad_id: str) -> None:
    with pytest.raises(ValidationError):
        Request.new("x", id=bad_id)
    with pytest.raises(ValidationError):
        Request.new("x", conversation_id=bad_id)


@pytest.mark.parametrize("bad_tenant", ["", "a b", "a/b", "t" * 129])
def test_tenant_rules(bad_tenant: str) -> None:
    with pytest.raises(ValidationError):
        Request.new("x", tenant=bad_tenant)


def test_size_limits() -> None:
    many = [{"role": "user", "content": "x"}] * 2_001
    with pytest.raises(ValidationError):
        Request.new(messages=many)
    Request.new(messages=many[:2_000])
    with pytest.raises(ValidationError):
        ChatMessage(role="user", content="x" * 1_000_001)
    with pytest.raises(ValidationError):
        Request.new("x" * 1_000_001)


def test_unknown_fields_rejected_and_models_frozen() -> None:
    with pytest.raises(ValidationError) as exc:
        Request.model_validate({"id": "r", "tenant": "t", "text": "x", "prompt": "x"})
    assert error_types(exc) == {"extra_forbidden"}
    request = Request.new("x")
    with pytest.raises(ValidationError):
        request.text = "changed"  # type: ignore[misc]


def test_role_is_restricted() -> None:
    with pytest.raises(ValidationError):
        ChatMessage(role="admin", content="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("score", [-0.01, 1.01, float("nan")])
def test_probabilities_in_unit_interval(score: float) -> None:
    with pytest.raises(ValidationError):
        SafetyScores(injection=score, toxic=0, harmful=0)
    with pytest.raises(ValidationError):
        IntentPrediction(label="billing", confidence=score, in_scope=True)


def test_pii_summary_total() -> None:
    assert PiiSummary().total == 0
    assert PiiSummary(counts={"EMAIL": 2, "PHONE": 1}).total == 3
    with pytest.raises(ValidationError):
        PiiSummary(counts={"EMAIL": -1})


def _common() -> dict[str, object]:
    return {
        "id": "r1",
        "tenant": "t",
        "text": "hello [EMAIL]",
        "safety": SafetyScores(injection=0.1, toxic=0.0, harmful=0.0),
        "pii": PiiSummary(counts={"EMAIL": 1}),
        "versions": ModelVersions(model="m1", policy="p1", recognizers="r1"),
        "created_at": NOW,
        "processed_at": NOW,
    }


def test_forwarded_only_allows_allow_or_redact() -> None:
    intent = IntentPrediction(label="general", confidence=0.9, in_scope=True)
    for decision in ("allow", "redact"):
        fwd = ForwardedRequest.model_validate({**_common(), "route": "general", "intent": intent, "decision": decision})
        assert fwd.decision == Decision(decision)
    with pytest.raises(ValidationError):
        ForwardedRequest.model_validate({**_common(), "route": "general", "intent": intent, "decision": "block"})


def test_quarantined_only_allows_block_or_escalate() -> None:
    for decision in (Decision.BLOCK, Decision.ESCALATE):
        q = QuarantinedRequest.model_validate({**_common(), "decision": decision, "reasons": ["safety.injection"]})
        assert q.intent is None
    with pytest.raises(ValidationError):
        QuarantinedRequest.model_validate({**_common(), "decision": "allow", "reasons": []})


def test_audit_record_cannot_carry_free_text() -> None:
    # The audit topic is retained long and shown on dashboards: adding a field here needs a
    # privacy review, which is what this test forces.
    assert set(AuditRecord.model_fields) == {
        "schema_version",
        "request_id",
        "tenant",
        "decision",
        "reasons",
        "output_topic",
        "route",
        "intent",
        "safety",
        "pii",
        "versions",
        "timings_ms",
        "source",
        "text_chars",
        "processed_at",
        "shadow",
        "chain",
        "policy_change",
    }
    # The shadow decision holds codes and versions; the chain link holds digests and counters.
    assert set(ShadowDecision.model_fields) == {"decision", "reasons", "route", "policy", "model"}
    assert set(ChainLink.model_fields) == {"chain", "partition", "seq", "prev", "alg", "mac"}
    # Identifiers are constrained (no spaces), so they cannot hold a sentence either.
    base = {
        "request_id": None,
        "tenant": None,
        "decision": "dead_letter",
        "reasons": ["invalid_json"],
        "output_topic": "guardstream.dead-letter",
        "pii": PiiSummary(),
        "versions": ModelVersions(model="m", policy="p", recognizers="r"),
        "timings_ms": {"parse": 0.1},
        "source": SourcePosition(topic="guardstream.requests", partition=0, offset=7),
        "text_chars": 0,
        "processed_at": NOW,
    }
    assert AuditRecord.model_validate(base).request_id is None
    with pytest.raises(ValidationError):
        AuditRecord.model_validate({**base, "request_id": "my card is 4111 1111 1111 1111"})
    with pytest.raises(ValidationError):
        AuditRecord.model_validate({**base, "text_chars": -1})


def test_dead_letter_record_defaults() -> None:
    record = DeadLetterRecord(
        reason=DeadLetterReason.INVALID_JSON,
        detail="unexpected end of data at line 1 column 2",
        stage="parse",
        source=SourcePosition(topic="t", partition=0, offset=0),
        original_key_b64=None,
        original_b64="ew==",
    )
    assert record.encrypted is False
    assert record.failed_at.tzinfo is not None
    with pytest.raises(ValidationError):
        DeadLetterRecord.model_validate({**record.model_dump(), "stage": "somewhere"})


def test_decision_values() -> None:
    assert [d.value for d in Decision] == ["allow", "redact", "block", "escalate", "dead_letter"]
    assert str(Decision.REDACT) == "redact"
