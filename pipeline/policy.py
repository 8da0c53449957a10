"""The policy: turns a classifier verdict into a decision, reasons and a route.

Kept apart from the models so security teams can change thresholds, redaction and routing
in a reviewed YAML file without retraining anything.  Precedence is fixed and simple:
block > escalate > redact > allow, so a request is never forwarded when any rule says no.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from guardstream.classifiers.guard import SAFETY_LABELS, Verdict
from guardstream.classifiers.pii import PiiSpan
from guardstream.classifiers.pii.spans import ENTITY_TYPES
from guardstream.pipeline.errors import ConfigError, validation_lines, yaml_file
from guardstream.topics import Decision

_ROUTE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


CALIBRATED = "calibrated"
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
# A probability, or "calibrated": the operating point the loaded model bundle validated for this category
# (its manifest's threshold), so a retrained bundle brings its own calibration instead of silently
# meeting thresholds chosen for another model.
Threshold = Probability | Literal["calibrated"]


class PolicyBindingError(ValueError):
    """The policy cannot be applied with this model bundle (it names what is missing or inconsistent)."""


class SafetyRule(BaseModel):
    """Thresholds for one safety category; ``None`` disables that action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    escalate: Threshold | None = None
    block: Threshold | None = None

    @model_validator(mode="after")
    def _escalate_below_block(self) -> SafetyRule:
        if isinstance(self.escalate, float) and isinstance(self.block, float) and self.escalate > self.block:
            raise ValueError("escalate threshold must not exceed the block threshold")
        return self

    @property
    def calibrated(self) -> bool:
        return CALIBRATED in (self.escalate, self.block)

    def bind(self, label: str, operating_point: float | None) -> SafetyRule:
        """This rule with ``calibrated`` replaced by the bundle's operating point for ``label``."""
        if not self.calibrated:
            return self
        if operating_point is None:
            raise PolicyBindingError(
                f"policy.safety.{label} uses the calibrated threshold but the model bundle has none for {label!r}"
            )
        values = {k: operating_point if v == CALIBRATED else v for k, v in self.model_dump().items()}
        escalate, block = values["escalate"], values["block"]
        if escalate is not None and block is not None and escalate > block:
            raise PolicyBindingError(
                f"policy.safety.{label}: the bundle's calibrated threshold {operating_point:.3f} puts escalate"
                f" ({escalate:.3f}) above block ({block:.3f}); lower block or make it calibrated too"
            )
        return SafetyRule(**values)


def _check_entity_types(types: Iterable[str]) -> None:
    """A misspelt entity type would silently never match: name it (and what exists)."""
    unknown = sorted(set(types) - ENTITY_TYPES)
    if unknown:
        raise ValueError(f"unknown entity type {', '.join(unknown)} (known: {', '.join(sorted(ENTITY_TYPES))})")


class PiiRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["redact", "block", "allow"] = "redact"
    operator: Literal["replace", "mask", "hash"] = "replace"
    operators: dict[str, Literal["replace", "mask", "hash"]] = Field(default_factory=dict)
    block_types: list[str] = Field(default_factory=list)
    # Detected (and counted in the audit) but left in the text and not a reason to redact or block:
    # e.g. DATE_TIME, where "set an alarm for 7 am" loses the one thing the LLM needs.
    ignore_types: list[str] = Field(default_factory=list)
    # Types a route or an intent needs and gets in clear when the request is forwarded there, e.g. the travel
    # route keeps LOCATION (cities) but not ADDRESS; the calendar intent keeps DATE_TIME. Only on forwarded
    # requests: blocked and escalated content is always redacted. Each kept type is a reason "pii.kept:<TYPE>".
    keep_by_route: dict[str, list[str]] = Field(default_factory=dict)
    keep_by_intent: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("block_types", "ignore_types")
    @classmethod
    def _known_types(cls, types: list[str]) -> list[str]:
        _check_entity_types(types)
        return types

    @field_validator("keep_by_route", "keep_by_intent")
    @classmethod
    def _known_kept_types(cls, keep: dict[str, list[str]]) -> dict[str, list[str]]:
        for types in keep.values():
            _check_entity_types(types)
        return keep

    def kept_types(self, route: str | None, intent: str | None) -> frozenset[str]:
        """What a request forwarded to ``route`` with ``intent`` keeps in clear (beyond ``ignore_types``)."""
        kept = set(self.keep_by_route.get(route, ())) if route is not None else set()
        if intent is not None:
            kept |= set(self.keep_by_intent.get(intent, ()))
        return frozenset(kept)

    @field_validator("operators")
    @classmethod
    def _known_operator_types(cls, operators: dict[str, str]) -> dict[str, str]:
        _check_entity_types(operators)
        return operators

    def acted_on(self, spans: Iterable[PiiSpan], kept: Collection[str] = ()) -> list[PiiSpan]:
        """The spans the rule redacts or blocks on: everything not in ``ignore_types`` nor ``kept``."""
        ignored = set(self.ignore_types) | set(kept)
        return [s for s in spans if s.type not in ignored]


class RoutingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_route: str = "general"
    out_of_scope_route: str = "general"
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    routes: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_routes(self) -> RoutingRule:
        for name in [self.default_route, self.out_of_scope_route, *self.routes]:
            if not _ROUTE_NAME.match(name):
                raise ValueError(f"route name {name!r} must match {_ROUTE_NAME.pattern} (it names a topic)")
        seen: dict[str, str] = {}
        for route, intents in self.routes.items():
            for intent in intents:
                if intent in seen:
                    raise ValueError(f"intent {intent!r} is mapped to both {seen[intent]!r} and {route!r}")
                seen[intent] = route
        return self

    def intent_to_route(self) -> dict[str, str]:
        return {intent: route for route, intents in self.routes.items() for intent in intents}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the policy decided for one verdict."""

    decision: Decision
    reasons: tuple[str, ...]
    route: str
    # PII types the request keeps in clear on its route (``pii.keep_by_route`` / ``keep_by_intent``); empty
    # unless the request is forwarded (allow or redact)
    kept: frozenset[str] = frozenset()


class Policy(BaseModel):
    """A parsed, validated policy file (see ``pipeline/data/default_policy.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=200)
    safety: dict[Literal["injection", "toxic", "harmful"], SafetyRule]
    pii: PiiRule = PiiRule()
    routing: RoutingRule = RoutingRule()
    # Per-tenant policies: in the file, ``tenants: {<tenant>: <overrides>}`` where an override is any part of
    # the policy; each is deep-merged over the base (mappings merge, lists and values replace) and validated
    # like it, with version "<base version>+<tenant>". A tenant not listed gets the base policy.
    tenants: dict[str, Policy] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _merge_tenant_overrides(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("tenants"):
            return data
        overrides = data["tenants"]
        if not isinstance(overrides, dict):
            return data  # pydantic reports the wrong type
        base = {k: v for k, v in data.items() if k != "tenants"}
        tenants: dict[str, Any] = {}
        for tenant, override in overrides.items():
            if isinstance(override, Policy):
                tenants[tenant] = override
                continue
            if not isinstance(override, dict) or "tenants" in override or "version" in override:
                raise ValueError(f"tenants.{tenant} must be a mapping of policy overrides (no version, no tenants)")
            merged = _deep_merge(base, override)
            merged["version"] = f"{base.get('version')}+{tenant}"
            tenants[tenant] = merged
        return {**data, "tenants": tenants}

    @model_validator(mode="after")
    def _all_safety_labels(self) -> Policy:
        missing = set(SAFETY_LABELS) - set(self.safety)
        if missing:
            raise ValueError(f"policy.safety must set thresholds for {sorted(missing)}")
        routes = {*self.routing.routes, self.routing.default_route, self.routing.out_of_scope_route}
        unknown = sorted(set(self.pii.keep_by_route) - routes)
        if unknown:
            raise ValueError(f"pii.keep_by_route names routes the policy does not have: {', '.join(unknown)}")
        return self

    @property
    def bound(self) -> bool:
        """Whether every threshold is a number (``calibrated`` ones resolved against a bundle)."""
        own = not any(rule.calibrated for rule in self.safety.values())
        return own and all(policy.bound for policy in self.tenants.values())

    def bind(self, operating_points: Mapping[str, float], intents: Collection[str] | None = None) -> Policy:
        """The policy with every ``calibrated`` threshold set to the bundle's validated operating point.

        Raises ``PolicyBindingError`` when the bundle lacks a threshold the policy refers to, when it would
        put a category's escalate threshold above its block threshold, or (given the bundle's ``intents``)
        when a route names an intent the model cannot predict: a misspelt intent would never be routed.
        """
        if intents is not None:
            unknown = sorted(set(self.routing.intent_to_route()) - set(intents))
            if unknown:
                raise PolicyBindingError(
                    f"policy.routing.routes names intents the model bundle does not know: {', '.join(unknown)}"
                )
            unknown = sorted(set(self.pii.keep_by_intent) - set(intents))
            if unknown:
                raise PolicyBindingError(
                    f"policy.pii.keep_by_intent names intents the model bundle does not know: {', '.join(unknown)}"
                )
        tenants = {}
        for tenant, policy in self.tenants.items():
            try:
                tenants[tenant] = policy.bind(operating_points, intents)
            except PolicyBindingError as error:
                raise PolicyBindingError(f"tenants.{tenant}: {error}") from None
        if self.bound and all(t is self.tenants[n] for n, t in tenants.items()):
            return self
        safety = {label: rule.bind(label, operating_points.get(label)) for label, rule in self.safety.items()}
        return self.model_copy(update={"safety": safety, "tenants": tenants})

    def for_tenant(self, tenant: str | None) -> Policy:
        """The effective policy of ``tenant``: its merged policy, or the base one for a tenant not listed."""
        return self.tenants.get(tenant, self) if tenant is not None else self

    @classmethod
    def load(cls, path: str | Path | None = None) -> Policy:
        """Load a policy YAML file; ``None`` loads the packaged default policy."""
        if path is None:
            text = resources.files("guardstream.pipeline.data").joinpath("default_policy.yaml").read_text("utf-8")
            data = yaml.safe_load(text)
        else:
            data = yaml_file(path)
        if not isinstance(data, dict):
            raise ConfigError(f"{path or 'the packaged policy'}: a policy file must hold a mapping")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise ConfigError(f"{path or 'the packaged policy'}: {validation_lines(error)}") from None

    @property
    def route_names(self) -> list[str]:
        """Every route a request can be sent to (each one is a worker topic)."""
        names = [*self.routing.routes, self.routing.default_route, self.routing.out_of_scope_route]
        names += [name for policy in self.tenants.values() for name in policy.route_names]
        return list(dict.fromkeys(names))

    def route_for(self, intent: str, confidence: float, in_scope: bool) -> str:
        routing = self.routing
        if not in_scope or confidence < routing.min_confidence:
            return routing.out_of_scope_route
        return self._intent_routes.get(intent, routing.default_route)

    @cached_property
    def _intent_routes(self) -> dict[str, str]:
        return self.routing.intent_to_route()

    def decide(self, verdict: Verdict) -> Outcome:
        """Apply the rules in fixed precedence: block > escalate > redact > allow."""
        if any(rule.calibrated for rule in self.safety.values()):
            raise PolicyBindingError("the policy uses calibrated thresholds: bind it first (Policy.bind)")
        route = self.route_for(verdict.intent, verdict.intent_confidence, verdict.in_scope)
        block: list[str] = []
        escalate: list[str] = []
        for label in SAFETY_LABELS:
            rule = self.safety[label]
            score = verdict.safety.get(label, 0.0)
            if rule.block is not None and score >= rule.block:
                block.append(f"safety.{label}:{score:.2f}>={rule.block:.2f}")
            elif rule.escalate is not None and score >= rule.escalate:
                escalate.append(f"safety.{label}:{score:.2f}>={rule.escalate:.2f}")
        # Kept types apply only if the request is forwarded: decide without them first, then with them.
        pii_types = sorted({span.type for span in self.pii.acted_on(verdict.pii)})
        if pii_types and self.pii.action != "allow":
            blocking = [t for t in pii_types if self.pii.action == "block" or t in self.pii.block_types]
            block.extend(f"pii.block:{t}" for t in blocking)
        if block:
            return Outcome(Decision.BLOCK, tuple(block + escalate), route)
        if escalate:
            return Outcome(Decision.ESCALATE, tuple(escalate), route)
        kept_rule = self.pii.kept_types(route, verdict.intent if verdict.in_scope else None)
        kept = sorted({t for t in pii_types if t in kept_rule})
        redacted = [t for t in pii_types if t not in kept_rule]
        reasons = tuple(f"pii.kept:{t}" for t in kept)
        if redacted and self.pii.action == "redact":
            return Outcome(Decision.REDACT, tuple(f"pii.redact:{t}" for t in redacted) + reasons, route, kept_rule)
        return Outcome(Decision.ALLOW, reasons if self.pii.action == "redact" else (), route, kept_rule)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merge key by key, anything else (lists too) replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
