"""Applies the policy's redaction operators to request text and chat messages.

Hash redaction uses a per-tenant salt derived from the configured secret salt
(HMAC(secret, tenant)), so the same value hashes the same within a tenant (downstream can
correlate "the same card again") but differently across tenants, and nobody without the
secret can confirm a guess.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from functools import lru_cache

from pydantic import SecretStr

from guardstream.classifiers.pii import HashOperator, PiiSpan, RedactionResult, operator_from_name, redact
from guardstream.classifiers.pii.redact import Operator
from guardstream.pipeline.policy import PiiRule


class RedactionConfigError(ValueError):
    """The policy asks for hashing but no salt is configured (never echoes the salt)."""


class Redactor:
    """Redacts spans with the operators the policy names, per entity type."""

    def __init__(self, rule: PiiRule, hash_salt: SecretStr | None):
        names = {rule.operator, *rule.operators.values()}
        if "hash" in names and hash_salt is None:
            raise RedactionConfigError(
                "policy uses the 'hash' redaction operator but no hash salt is configured "
                "(set GUARDSTREAM_HASH_SALT to a secret of at least 16 bytes)"
            )
        if hash_salt is not None and len(hash_salt.get_secret_value().encode()) < 16:
            raise RedactionConfigError("the configured hash salt is shorter than 16 bytes")
        self._rule = rule
        self._salt = hash_salt
        self._secret = hash_salt.get_secret_value().encode() if hash_salt is not None else None
        self._operators_for = lru_cache(maxsize=4096)(self._build_operators)
        # id(rule) -> (rule, redactor); the rule is kept so an id reused after a reload can be told apart
        self._for_rules: dict[int, tuple[PiiRule, Redactor]] = {}

    def for_rule(self, rule: PiiRule) -> Redactor:
        """A redactor with the same salt for another rule (a tenant's policy may choose other operators).

        Called for every message, so it is a dict look-up: rules are immutable and owned by their policy.
        """
        if rule is self._rule:
            return self
        cached = self._for_rules.get(id(rule))
        if cached is None or cached[0] is not rule:
            cached = (rule, self if rule == self._rule else Redactor(rule, self._salt))
            self._for_rules[id(rule)] = cached
        return cached[1]

    def _build_operators(self, tenant: str) -> tuple[Operator, Mapping[str, Operator]]:
        def make(name: str) -> Operator:
            if name == "hash":
                assert self._secret is not None  # checked in __init__
                tenant_salt = hmac.new(self._secret, tenant.encode(), hashlib.sha256).digest()
                return HashOperator(salt=tenant_salt)
            return operator_from_name(name)  # type: ignore[arg-type]

        default = make(self._rule.operator)
        per_type = {entity: make(name) for entity, name in self._rule.operators.items()}
        return default, per_type

    def redact_text(self, text: str, spans: Sequence[PiiSpan], tenant: str) -> RedactionResult:
        default, per_type = self._operators_for(tenant)
        return redact(text, spans, per_type, default=default)

    def redact_segments(
        self, segments: Sequence[str], spans: Sequence[PiiSpan], tenant: str, separator: str = "\n"
    ) -> list[str]:
        """Redact texts that were classified as one joined string (chat turns).

        ``spans`` carry offsets into ``separator.join(segments)``; each span is clipped to the
        segment it falls in (a span crossing a separator is split, so both halves are redacted).
        """
        out: list[str] = []
        start = 0
        for segment in segments:
            end = start + len(segment)
            local = [
                PiiSpan(max(s.start, start) - start, min(s.end, end) - start, s.type, s.score, s.source)
                for s in spans
                if s.start < end and s.end > start
            ]
            out.append(self.redact_text(segment, local, tenant).text if local else segment)
            start = end + len(separator)
        return out
