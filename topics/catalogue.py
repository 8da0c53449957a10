"""The topic catalogue: every Kafka topic guardstream reads or writes, in one place.

Producers, the guardrail and the LLM workers all derive topic names from the same
``prefix`` and route list, so a typo in one deployment cannot silently send traffic to a
topic nobody consumes. The catalogue is plain data (no Kafka client) so it can be printed,
diffed and fed to provisioning scripts with ``to_json()``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

# Kafka accepts topic names of these characters up to 249 long; we cap each *part* at 200
# so that ``{prefix}.llm.{route}`` still fits.
_LEGAL_NAME = re.compile(r"[A-Za-z0-9._-]+")
MAX_NAME_PART = 200
MAX_TOPIC_NAME = 249


class TopicRole(StrEnum):
    """What a topic is for; lets tooling find a topic without parsing its name."""

    REQUESTS = "requests"
    ROUTE = "route"
    BLOCKED = "blocked"
    ESCALATION = "escalation"
    AUDIT = "audit"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class TopicSpec:
    """One topic and the contract for what is on it.

    ``key`` and ``schema`` are descriptions for humans and provisioning tools; the
    authoritative schemas are the pydantic models in :mod:`topics.schemas`.
    """

    name: str
    role: TopicRole
    partitions: int
    key: str
    schema: str
    description: str
    route: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": str(self.role),
            "partitions": self.partitions,
            "key": self.key,
            "schema": self.schema,
            "description": self.description,
            "route": self.route,
        }


_REQUEST_ID_KEY = "request id (UTF-8)"
# Outputs keep the input's key so a conversation stays in order downstream too.
_INPUT_KEY = "same as the input: conversation_id if set, else request id (UTF-8)"


@dataclass(frozen=True)
class TopicCatalogue:
    """All topics of one guardstream deployment. Build it with :meth:`build`."""

    prefix: str
    requests: TopicSpec
    blocked: TopicSpec
    escalation: TopicSpec
    audit: TopicSpec
    dead_letter: TopicSpec
    # A tuple, not a dict, so the frozen dataclass stays hashable and immutable.
    route_specs: tuple[TopicSpec, ...]

    @classmethod
    def build(
        cls,
        prefix: str = "guardstream",
        routes: Iterable[str] = ("general",),
        partitions: int = 4,
    ) -> TopicCatalogue:
        _check_name_part("prefix", prefix)
        if isinstance(routes, str):
            # A bare string would iterate per character and create one route per letter.
            raise TypeError("routes must be an iterable of route names, not a single string")
        route_names = list(routes)
        if not route_names:
            raise ValueError("at least one route is required: forwarded requests need a topic")
        for route in route_names:
            _check_name_part("route", route)
        duplicates = sorted({r for r in route_names if route_names.count(r) > 1})
        if duplicates:
            raise ValueError(f"duplicate route names: {duplicates}")
        if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
            raise ValueError(f"partitions must be a positive integer, got {partitions!r}")

        def spec(
            suffix: str, role: TopicRole, key: str, schema: str, description: str, route: str | None = None
        ) -> TopicSpec:
            name = f"{prefix}.{suffix}"
            if len(name) > MAX_TOPIC_NAME:
                raise ValueError(f"topic name {name!r} is longer than Kafka's {MAX_TOPIC_NAME} characters")
            return TopicSpec(name, role, partitions, key, schema, description, route)

        return cls(
            prefix=prefix,
            requests=spec(
                "requests",
                TopicRole.REQUESTS,
                "conversation_id if set, else request id (UTF-8); keeps a conversation in order",
                "Request",
                "Incoming LLM requests from producers; the guardrail's only input.",
            ),
            blocked=spec(
                "blocked",
                TopicRole.BLOCKED,
                _INPUT_KEY,
                "QuarantinedRequest",
                "Requests refused by policy; redacted content only.",
            ),
            escalation=spec(
                "escalation",
                TopicRole.ESCALATION,
                _INPUT_KEY,
                "QuarantinedRequest",
                "Requests held for human review; redacted content only.",
            ),
            audit=spec(
                "audit",
                TopicRole.AUDIT,
                _REQUEST_ID_KEY,
                "AuditRecord",
                "One record per input message with the decision; never raw text or PII values.",
            ),
            dead_letter=spec(
                "dead-letter",
                TopicRole.DEAD_LETTER,
                "original message key, unchanged (may be null)",
                "DeadLetterRecord",
                "Inputs that could not be processed, with the ORIGINAL bytes: sensitive, restrict access.",
            ),
            route_specs=tuple(
                spec(
                    f"llm.{route}",
                    TopicRole.ROUTE,
                    _INPUT_KEY,
                    "ForwardedRequest",
                    f"Allowed (possibly redacted) requests for the {route!r} LLM workers.",
                    route=route,
                )
                for route in route_names
            ),
        )

    @property
    def routes(self) -> dict[str, TopicSpec]:
        """Route name → topic. A fresh dict each call, so callers cannot mutate the catalogue."""
        return {spec.route: spec for spec in self.route_specs if spec.route is not None}

    def route(self, name: str) -> TopicSpec:
        for spec in self.route_specs:
            if spec.route == name:
                return spec
        known = ", ".join(repr(spec.route) for spec in self.route_specs)
        raise KeyError(f"unknown route {name!r}; this catalogue has routes: {known}")

    def all(self) -> list[TopicSpec]:
        """Every topic, input first, in a stable order (useful for provisioning and docs)."""
        return [self.requests, *self.route_specs, self.blocked, self.escalation, self.audit, self.dead_letter]

    def to_json(self) -> str:
        return orjson.dumps([spec.to_dict() for spec in self.all()], option=orjson.OPT_INDENT_2).decode()


def _check_name_part(what: str, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    if len(value) > MAX_NAME_PART:
        raise ValueError(f"{what} is {len(value)} characters; the limit is {MAX_NAME_PART}")
    if not _LEGAL_NAME.fullmatch(value):
        raise ValueError(f"{what} {value!r} may only contain the Kafka topic characters [A-Za-z0-9._-]")
