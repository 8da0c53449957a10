"""Policy rules on verdicts: precedence, thresholds, routing and validation of policy files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from guardstream.classifiers.guard import Verdict
from guardstream.classifiers.pii import PiiSpan
from guardstream.pipeline.errors import ConfigError
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
    with pytest.raises(ConfigError, match=message):
        Policy.load(path)


def _calibrated_policy(**injection: object) -> Policy:
    return Policy.model_validate(
        {
            "version": "calibrated-test",
            "safety": {"injection": injection, "toxic": {"block": 0.9}, "harmful": {"block": 0.8}},
        }
    )


def test_calibrated_thresholds_take_the_bundles_operating_point() -> None:
    policy = _calibrated_policy(escalate="calibrated", block=0.8)
    assert not policy.bound
    bound = policy.bind({"injection": 0.3, "toxic": 0.5, "harmful": 0.4})
    assert bound.bound and bound.safety["injection"].escalate == 0.3 and bound.safety["injection"].block == 0.8
    assert bound.safety["toxic"].block == 0.9  # numbers stay numbers
    assert bound.decide(verdict(injection=0.31)).decision is Decision.ESCALATE
    assert bound.decide(verdict(injection=0.29)).decision is Decision.ALLOW


def test_an_unbound_policy_refuses_to_decide() -> None:
    from guardstream.pipeline.policy import PolicyBindingError

    with pytest.raises(PolicyBindingError, match="bind"):
        _calibrated_policy(block="calibrated").decide(verdict())


def test_a_bundle_that_cannot_serve_the_policy_is_refused_by_name() -> None:
    from guardstream.pipeline.policy import PolicyBindingError

    with pytest.raises(PolicyBindingError, match=r"safety\.injection.*no.*'injection'|has none for 'injection'"):
        _calibrated_policy(block="calibrated").bind({"toxic": 0.5})
    # a bundle whose operating point lies above the policy's fixed block threshold
    with pytest.raises(PolicyBindingError, match=r"escalate \(0\.950\) above block \(0\.800\)"):
        _calibrated_policy(escalate="calibrated", block=0.8).bind({"injection": 0.95})


def test_only_calibrated_is_accepted_as_a_word() -> None:
    with pytest.raises(ValidationError):
        _calibrated_policy(block="calibrate")


def test_a_route_naming_an_unknown_intent_is_refused_by_name(policy: Policy) -> None:
    from guardstream.pipeline.policy import PolicyBindingError

    misspelt = policy.model_copy(
        update={"routing": policy.routing.model_copy(update={"routes": {"banking": ["balanse", "transfer"]}})}
    )
    with pytest.raises(PolicyBindingError, match=r"does not know: balanse$"):
        misspelt.bind({}, intents=["balance", "transfer", "oos"])
    assert policy.bind({}, intents=[*policy.routing.intent_to_route(), "oos"]) is policy


def _with_tenants(tenants: dict) -> Policy:
    import yaml

    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "pipeline/data/default_policy.yaml").read_text())
    return Policy.model_validate({**data, "tenants": tenants})


def test_a_tenant_override_is_deep_merged_over_the_base_and_versioned() -> None:
    policy = _with_tenants({"bank-web": {"pii": {"action": "block"}, "safety": {"injection": {"escalate": 0.2}}}})
    tenant = policy.for_tenant("bank-web")
    assert tenant.version == f"{policy.version}+bank-web"
    assert tenant.pii.action == "block" and tenant.pii.ignore_types == policy.pii.ignore_types  # merged, not replaced
    assert tenant.safety["injection"].escalate == 0.2
    assert tenant.safety["injection"].block == policy.safety["injection"].block
    assert tenant.routing == policy.routing
    assert policy.for_tenant("someone-else") is policy and policy.for_tenant(None) is policy
    assert tenant.decide(verdict(pii=(CARD,))).decision is Decision.BLOCK
    assert policy.decide(verdict(pii=(CARD,))).decision is Decision.REDACT


def test_a_broken_tenant_override_is_refused_naming_the_tenant() -> None:
    with pytest.raises(ValidationError, match=r"tenants\.acme\.pii\.action"):
        _with_tenants({"acme": {"pii": {"action": "shred"}}})
    with pytest.raises(ValidationError, match=r"tenants\.acme must be a mapping"):
        _with_tenants({"acme": {"version": "mine"}})


def test_tenant_routes_are_topics_too_and_tenants_bind_with_the_base() -> None:
    from guardstream.pipeline.policy import PolicyBindingError

    policy = _with_tenants(
        {"acme": {"routing": {"default_route": "acme-general"}, "safety": {"harmful": {"escalate": "calibrated"}}}}
    )
    assert "acme-general" in policy.route_names
    assert not policy.bound
    bound = policy.bind({"injection": 0.05, "toxic": 0.8, "harmful": 0.4})
    assert bound.bound and bound.for_tenant("acme").safety["harmful"].escalate == 0.4
    with pytest.raises(PolicyBindingError, match=r"^tenants\.acme: "):
        policy.bind({"injection": 0.05, "toxic": 0.8})
