"""Keeping what a route or intent needs: the travel route keeps cities, never street addresses; kept only when
forwarded; validated against the policy's routes and the bundle's intents; every kept type is a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardstream.classifiers.guard import Verdict
from guardstream.classifiers.pii import PiiSpan
from guardstream.pipeline.decision import decide
from guardstream.pipeline.errors import ConfigError
from guardstream.pipeline.policy import Policy, PolicyBindingError
from guardstream.topics import Decision, Request

ROOT = Path(__file__).resolve().parents[2]
TEXT = "find me a hotel in lisbon for next weekend, my address is 42 Baker Street, London NW1 6XE"
CITY = PiiSpan(19, 25, "LOCATION", 0.9, "model")
ADDRESS = PiiSpan(58, 89, "ADDRESS", 1.0, "pattern:address")


def _policy(tmp_path: Path, **pii: object) -> Policy:
    data = yaml.safe_load((ROOT / "pipeline" / "data" / "default_policy.yaml").read_text())
    data["pii"].update(pii)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    return Policy.load(path)


def _verdict(intent: str = "book_hotel", injection: float = 0.0) -> Verdict:
    return Verdict(
        safety={"injection": injection, "toxic": 0.0, "harmful": 0.0},
        intent=intent,
        intent_confidence=0.95,
        in_scope=True,
        pii=(CITY, ADDRESS),
        chunks=1,
        truncated=False,
    )


def test_the_travel_route_keeps_the_city_and_redacts_the_street_address(tmp_path: Path) -> None:
    policy = _policy(tmp_path, keep_by_route={"travel": ["LOCATION"]})
    decided = decide(Request.new(TEXT, tenant="acme"), _verdict(), policy)
    assert decided.decision is Decision.REDACT and decided.route == "travel"
    assert decided.text == "find me a hotel in lisbon for next weekend, my address is <ADDRESS>"
    assert decided.reasons == ("pii.redact:ADDRESS", "pii.kept:LOCATION")
    # another route keeps nothing
    other = decide(Request.new(TEXT, tenant="acme"), _verdict(intent="balance"), policy)
    assert other.route == "banking" and "<LOCATION>" in (other.text or "")


def test_an_intent_keeps_its_type_and_a_request_with_only_kept_types_is_allowed(tmp_path: Path) -> None:
    policy = _policy(tmp_path, keep_by_intent={"book_hotel": ["LOCATION", "ADDRESS"]})
    decided = decide(Request.new(TEXT, tenant="acme"), _verdict(), policy)
    assert decided.decision is Decision.ALLOW and decided.text == TEXT
    assert decided.reasons == ("pii.kept:ADDRESS", "pii.kept:LOCATION")


def test_nothing_is_kept_when_the_request_is_not_forwarded(tmp_path: Path) -> None:
    policy = _policy(tmp_path, keep_by_route={"travel": ["LOCATION", "ADDRESS"]})
    decided = decide(Request.new(TEXT, tenant="acme"), _verdict(injection=0.95), policy)
    assert decided.decision is Decision.BLOCK
    assert decided.text == "find me a hotel in <LOCATION> for next weekend, my address is <ADDRESS>"


def test_keep_rules_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="keep_by_route names routes the policy does not have: trvel"):
        _policy(tmp_path, keep_by_route={"trvel": ["LOCATION"]})
    with pytest.raises(ConfigError, match="unknown entity type LOCALE"):
        _policy(tmp_path, keep_by_route={"travel": ["LOCALE"]})
    policy = _policy(tmp_path, keep_by_intent={"book_hotl": ["LOCATION"]})
    known = [*policy.routing.intent_to_route(), "book_hotel"]
    with pytest.raises(PolicyBindingError, match=r"keep_by_intent names intents .*: book_hotl$"):
        policy.bind({}, known)


@pytest.mark.model
def test_with_the_real_model_and_recognizers(tmp_path: Path, bundle_dir: Path) -> None:
    from guardstream.classifiers.guard import Guard

    guard = Guard.load()
    policy = _policy(tmp_path, keep_by_route={"travel": ["LOCATION"]}).bind(guard.operating_points, guard.intent_labels)
    decided = decide(Request.new(TEXT, tenant="acme"), guard.classify([TEXT])[0], policy)
    assert decided.route == "travel" and "lisbon" in (decided.text or "")
    assert "Baker Street" not in (decided.text or "") and "<ADDRESS>" in (decided.text or "")
    assert "pii.kept:LOCATION" in decided.reasons
