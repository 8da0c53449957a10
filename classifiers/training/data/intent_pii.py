"""CLINC train utterances carrying personal data, so intent routing does not change when PII appears.

Real requests say "my card 4111 1111 1111 1111 was declined", CLINC never does: v0.2's candidate sent that
sentence to out-of-scope. Here a train utterance keeps its intent label while a card number, name, phone,
e-mail, IBAN or city is spliced in (after "card"/"account" where the utterance has one, else as a leading or
trailing clause). PII labels are left unknown (``pii=None``): the utterance may already hold an unlabelled
city or name, and a wrong O there would teach the PII head to miss it.
"""

from __future__ import annotations

import dataclasses
import random
import re

from faker import Faker

from guardstream.classifiers.training.data.common import Example
from guardstream.classifiers.training.data.pii_synth import _value, seeded_fakers

_AFTER = re.compile(r"\b(my (?:credit |debit )?card|my account|card|account)\b", re.IGNORECASE)

_LEADING = (
    "hi, I'm {PERSON}. ",
    "this is {PERSON}, ",
    "{PERSON} here: ",
    "my name is {PERSON} and ",
    "hello from {LOCATION}! ",
)
_TRAILING = (
    ", my card is {CREDIT_CARD}",
    " (card {CREDIT_CARD})",
    ". account {IBAN_CODE}",
    ", you can call me at {PHONE_NUMBER}",
    " - reply to {EMAIL_ADDRESS}",
    ". thanks, {PERSON}",
    ", my ssn is {US_SSN}",
)
_INLINE = ("{CREDIT_CARD}", "number {CREDIT_CARD}", "{IBAN_CODE}", "ending in {LAST4}")


def _render(template: str, fake: Faker, rng: random.Random) -> str:
    def one(m: re.Match[str]) -> str:
        kind = m.group(1)
        if kind == "LAST4":
            return f"{rng.randint(0, 9999):04d}"
        return _value(kind, fake, rng).strip()

    return re.sub(r"\{([A-Z_0-9]+)\}", one, template)


def with_pii(clinc_train: list[Example], n: int, seed: int) -> list[Example]:
    """``n`` PII-bearing copies of random in-scope and out-of-scope train utterances (intent label kept)."""
    rng = random.Random(seed)
    fakes = seeded_fakers(seed * 31)
    out: list[Example] = []
    for _ in range(n):
        ex = rng.choice(clinc_train)
        fake = rng.choice(fakes)
        text = ex.text
        m = _AFTER.search(text)
        if m and rng.random() < 0.7:
            insert = " " + _render(rng.choice(_INLINE), fake, rng)
            text = text[: m.end()] + insert + text[m.end() :]
        elif rng.random() < 0.5:
            text = _render(rng.choice(_LEADING), fake, rng) + text
        else:
            text = text.rstrip("?.! ") + _render(rng.choice(_TRAILING), fake, rng)
        out.append(dataclasses.replace(ex, text=text, source=f"{ex.source}+pii", pii=None))
    return out
