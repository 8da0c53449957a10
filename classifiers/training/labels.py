"""Label vocabularies shared by training, export and evaluation.

Kept in one module so the logit order written into the bundle manifest is defined exactly once;
the runtime never imports this (it reads the order back from ``manifest.json``).
"""

from __future__ import annotations

SAFETY_LABELS: tuple[str, ...] = ("injection", "toxic", "harmful")

PII_TYPES: tuple[str, ...] = (
    "PERSON",
    "LOCATION",
    "DATE_TIME",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
)

PII_LABELS: tuple[str, ...] = ("O", *[f"{p}-{t}" for t in PII_TYPES for p in ("B", "I")])

OOS_LABEL = "oos"

IGNORE_INDEX = -100


def intent_labels(in_scope: list[str]) -> tuple[str, ...]:
    """Sorted in-scope intents followed by ``oos`` so the order is reproducible from the data alone."""
    return (*sorted(set(in_scope) - {OOS_LABEL}), OOS_LABEL)
