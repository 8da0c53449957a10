"""Policy rules on verdicts: precedence, thresholds, routing and validation of policy files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from guardstream.classifiers.guard import Verdict
from guardstream.classifiers.pii import PiiSpan
from guardstream.pipeline.policy import Policy
from guardstream.topics import Decision


def verdict(
    injection: float = 0.0,
    toxic: float = 0.0,
    harmful: float = 0.0,
    intent: str = "weather",
    confidence: float = 0.9,
    in_scope: bool = True,
    pii: tuple[PiiSpan, ...] = (),
) -> Verdict:
    return Verdict(
        safety={"injection": injection, "toxic": toxic, "harmful": harmful},
        intent=intent,
        intent_confidence=confidence,
        in_scope=in_scope,
        pii=pii,
        chunks=1,
        truncated=False,
    )


CARD = PiiSpan(8, 27, "CREDIT_CARD", 1.0, "pattern:credit_card")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.load()


def test_packaged_policy_loads_and_routes_card_declined(policy: Policy) -> None:
    assert policy.route_for("card_declined", 0.9, True) == "card-declined"
    assert policy.route_for("balance", 0.9, True) == "banking"
    assert policy.route_for("oos", 0.9, False) == policy.routing.out_of_scope_route
    assert "card-declined" in policy.route_names


def test_benign_without_pii_is_allowed(policy: Policy) -> None:
    outcome = policy.decide(verdict())
    assert outcome.decision is Decision.ALLOW and outcome.reasons == ()


def test_pii_is_redacted_and_reasons_name_types_only(policy: Policy) -> None:
    outcome = policy.decide(verdict(pii=(CARD,)))
    assert outcome.decision is Decision.REDACT
    assert outcome.reasons == ("pii.redact:CREDIT_CARD",)


@pytest.mark.parametrize("label", ["injection", "toxic", "harmful"])
def test_each_category_blocks_at_its_threshold(policy: Policy, label: str) -> None:
    rule = policy.safety[label]
    assert rule.block is not None
    assert policy.decide(verdict(**{label: rule.block})).decision is Decision.BLOCK
    below = policy.decide(verdict(**{label: rule.block - 1e-3}))
    assert below.decision in (Decision.ESCALATE, Decision.ALLOW)


def test_uncertain_band_escalates(policy: Policy) -> None:
    rule = policy.safety["injection"]
    assert rule.escalate is not None and rule.block is not None
    middle = (rule.escalate + rule.block) / 2
    outcome = policy.decide(verdict(injection=middle, pii=(CARD,)))
    assert outcome.decision is Decision.ESCALATE
    assert outcome.reasons[0].startswith("safety.injection:")


def test_block_beats_escalate_and_redact(policy: Policy) -> None:
    outcome = policy.decide(verdict(injection=0.99, toxic=policy.safety["toxic"].escalate or 0.0, pii=(CARD,)))
    assert outcome.decision is Decision.BLOCK


def test_low_confidence_goes_to_out_of_scope_route(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: t1\nsafety: {injection: {block: 0.5}, toxic: {block: 0.5}, harmful: {block: 0.5}}\n"
        "routing: {default_route: general, out_of_scope_route: fallback, min_confidence: 0.6,"
        " routes: {banking: [balance]}}\n"
    )
    policy = Policy.load(path)
    assert policy.route_for("balance", 0.59, True) == "fallback"
    assert policy.route_for("balance", 0.61, True) == "banking"
    assert policy.route_for("weather", 0.99, True) == "general"


def test_pii_block_types_quarantine(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: t2\nsafety: {injection: {block: 0.5}, toxic: {block: 0.5}, harmful: {block: 0.5}}\n"
        "pii: {action: redact, block_types: [US_SSN]}\n"
    )
    policy = Policy.load(path)
    ssn = PiiSpan(0, 11, "US_SSN", 0.85, "pattern:us_ssn")
    assert policy.decide(verdict(pii=(ssn,))).decision is Decision.BLOCK
    assert policy.decide(verdict(pii=(CARD,))).decision is Decision.REDACT


@pytest.mark.parametrize(
    "body, message",
    [
        ("safety: {injection: {block: 0.5}}", "version"),
        ("version: x\nsafety: {injection: {block: 0.5}}", "toxic"),
        ("version: x\nsafety: {injection: {block: 0.4, escalate: 0.6}, toxic: {}, harmful: {}}", "escalate"),
        (
            "version: x\nsafety: {injection: {}, toxic: {}, harmful: {}}\n"
            "routing: {routes: {a: [balance], b: [balance]}}",
            "mapped to both",
        ),
        ("version: x\nsafety: {injection: {}, toxic: {}, harmful: {}}\nrouting: {routes: {'bad route': []}}", "route"),
    ],
)
def test_invalid_policies_fail_with_a_clear_message(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(ValidationError, match=message):
        Policy.load(path)
