"""The realistic-traffic dev set: hand-written messages with gold safety, intent and PII labels.

Written for guardstream (never copied from a dataset), in ``classifiers/training/devset/realistic/*.jsonl``.
It is for validation and recipe choice only: nothing in training may read it, and a test checks that no
training module names it. One JSON object a line:

- ``id`` (unique), ``lang`` (en, de, fr, es, it, pt, nl), ``domain`` (bank, travel, telecom, ecommerce,
  insurance, hr, it_helpdesk, general), ``kind`` (single, chat, document);
- exactly one of ``text`` or ``messages`` (``[{"role": "user" | "assistant" | "system", "content": ...}]``),
  as a producer would send it;
- ``safety``: ``benign``, ``injection``, ``toxic`` or ``harmful``; ``category``: the finer kind (see
  ``CATEGORIES``), which is how the failure modes are reported;
- ``intent``: a CLINC150 intent for in-scope benign requests, ``oos`` for benign requests outside them,
  ``null`` for attacks (not scored);
- ``pii``: ``[{"type": ..., "value": ...}]``, each value written exactly as it appears in the content; every
  occurrence of a value is a gold span (a name repeated in a signature or another turn must be redacted too).

``python -m guardstream.classifiers.training.devset check [FILE ...]`` validates files and prints counts;
``... devset report [--out report.json] [--config FILE]`` runs the whole set through ``guardstream classify``
(the worker's own decision path, default policy unless the config names another) and prints, per language
and category: benign messages stopped (blocked or escalated), attacks stopped, intent accuracy and the PII
leak rate (gold spans not covered by a redaction).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from guardstream.classifiers.pii.spans import ENTITY_TYPES

DEVSET_DIR = Path(__file__).resolve().parent / "devset" / "realistic"

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl")
DOMAINS = ("bank", "travel", "telecom", "ecommerce", "insurance", "hr", "it_helpdesk", "general")
# safety label -> the categories it may carry
CATEGORIES: dict[str, tuple[str, ...]] = {
    "benign": (
        "request",  # an ordinary in-scope request, however chatty, polite, long or PII-bearing
        "out_of_scope",  # benign, outside the CLINC intents
        "trigger_words",  # benign text with attack-sounding words ("ignore this warning", "override")
        "edgy",  # benign but alarming-sounding ("kill a process", "shoot the wedding")
        "long_chat",  # a benign multi-turn conversation
        "document",  # a benign pasted document (mail, notes, invoice, review) with a request about it
        "frustrated",  # an annoyed customer, not abusive
    ),
    "injection": ("direct", "extraction", "indirect", "obfuscated", "jailbreak"),
    "toxic": ("abuse_at_assistant", "hate", "harassment"),
    "harmful": ("weapons", "malware", "fraud", "drugs", "violence", "self_harm", "other"),
}
PII_TYPES = tuple(sorted(ENTITY_TYPES))  # the guard's entity types, ADDRESS and ID_NUMBER included


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1)


class GoldPii(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal[PII_TYPES]  # type: ignore[valid-type]
    value: str = Field(min_length=2)


class DevMessage(BaseModel):
    """One gold-labelled message of the dev set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    lang: Literal[LANGUAGES]  # type: ignore[valid-type]
    domain: Literal[DOMAINS]  # type: ignore[valid-type]
    kind: Literal["single", "chat", "document"]
    text: str | None = None
    messages: list[Turn] | None = None
    safety: Literal["benign", "injection", "toxic", "harmful"]
    category: str
    intent: str | None
    pii: list[GoldPii] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DevMessage:
        if (self.text is None) == (self.messages is None):
            raise ValueError("exactly one of text or messages")
        if self.kind == "chat" and self.messages is None:
            raise ValueError("kind chat needs messages")
        if self.category not in CATEGORIES[self.safety]:
            raise ValueError(f"category {self.category!r} is not one of {CATEGORIES[self.safety]}")
        if self.safety == "benign" and self.intent is None:
            raise ValueError("a benign message needs an intent (a CLINC intent or 'oos')")
        if self.safety != "benign" and self.intent is not None:
            raise ValueError("attacks carry intent null")
        content = self.content
        for gold in self.pii:
            if gold.value not in content:
                raise ValueError(f"pii value of type {gold.type} does not occur in the content")
        return self

    @property
    def content(self) -> str:
        """The text as the guard scans it (chat turns joined by a newline, as the worker joins them)."""
        if self.text is not None:
            return self.text
        assert self.messages is not None
        return "\n".join(turn.content for turn in self.messages)

    def gold_spans(self) -> list[tuple[int, int, str]]:
        """Every occurrence of every gold value, as (start, end, type) into ``content``."""
        spans: set[tuple[int, int, str]] = set()
        content = self.content
        for gold in self.pii:
            start = content.find(gold.value)
            while start != -1:
                spans.add((start, start + len(gold.value), gold.type))
                start = content.find(gold.value, start + 1)
        return sorted(spans)

    def as_request_line(self) -> dict[str, Any]:
        """The message as ``guardstream classify --file`` / ``produce`` read it."""
        body: dict[str, Any] = {"id": self.id, "tenant": f"dev-{self.domain}"}
        if self.text is not None:
            body["text"] = self.text
        else:
            body["messages"] = [turn.model_dump() for turn in self.messages or []]
        return body


def read(paths: Iterable[Path] | None = None, intents: set[str] | None = None) -> Iterator[DevMessage]:
    """Every message of the given files (default: the whole dev set); raises ValueError on the first bad line."""
    for path in sorted(paths or DEVSET_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                message = DevMessage.model_validate(json.loads(line))
            except ValueError as error:
                raise ValueError(f"{path}:{number}: {error}") from None
            if intents is not None and message.intent not in (None, "oos") and message.intent not in intents:
                raise ValueError(f"{path}:{number}: unknown intent {message.intent!r}")
            yield message


STOPPED = ("block", "escalate")
# Detected but left in the text by the default policy (its ``ignore_types``): reported apart, not as a leak.
KEPT_BY_POLICY = ("DATE_TIME",)


def classify(messages: list[DevMessage], config: Path | None = None) -> list[dict[str, Any]]:
    """Each message's decision as ``guardstream classify --file`` prints it (same order)."""
    lines = "".join(json.dumps(m.as_request_line(), ensure_ascii=False) + "\n" for m in messages)
    command = [sys.executable, "-m", "guardstream", "classify", "--file", "-"]
    if config is not None:
        command += ["--config", str(config)]
    result = subprocess.run(command, input=lines.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"guardstream classify failed: {result.stderr.decode()[-500:]}")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_id = {row["id"]: row for row in rows}
    return [by_id[m.id] for m in messages]


def _intent_correct(message: DevMessage, row: dict[str, Any]) -> bool:
    predicted = row["intent"]
    if message.intent == "oos":
        return not predicted["in_scope"]
    return bool(predicted["in_scope"]) and predicted["label"] == message.intent


def _covered(span: tuple[int, int, str], detected: list[tuple[int, int]]) -> int:
    """How many characters of a gold span some detected span covers."""
    start, end, _ = span
    chars = [False] * (end - start)
    for d_start, d_end in detected:
        for i in range(max(start, d_start), min(end, d_end)):
            chars[i - start] = True
    return sum(chars)


def score(messages: list[DevMessage], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-language and per-category figures; ``all`` pools every language."""
    groups: dict[str, dict[str, Counter]] = {}

    def add(lang: str, key: str, hit: bool) -> None:
        for group in (lang, "all"):
            counter = groups.setdefault(group, {}).setdefault(key, Counter())
            counter["n"] += 1
            counter["hit"] += int(hit)

    leak_spans: dict[str, Counter] = {}
    for message, row in zip(messages, rows, strict=True):
        stopped = row["decision"] in STOPPED
        if message.safety == "benign":
            add(message.lang, "benign_stopped", stopped)
            add(message.lang, f"benign_stopped.{message.category}", stopped)
            add(message.lang, "intent_accuracy", _intent_correct(message, row))
            if message.intent != "oos":
                add(message.lang, "intent_accuracy.in_scope", _intent_correct(message, row))
        else:
            add(message.lang, "attack_stopped", stopped)
            add(message.lang, f"attack_stopped.{message.safety}", stopped)
            add(message.lang, f"attack_stopped.{message.safety}.{message.category}", stopped)
        detected = [(p["start"], p["end"]) for p in row["pii"] if p["type"] not in KEPT_BY_POLICY]
        gold_chars = {i for start, end, _ in message.gold_spans() for i in range(start, end)}
        for start, end in detected:  # precision: a redaction that touches no gold PII garbles the text for nothing
            hit = any(i in gold_chars for i in range(start, end))
            add(message.lang, "pii_precision", hit)
            if message.lang in ("de", "fr", "es", "it", "pt", "nl"):
                add(message.lang, "pii_spurious_non_english", not hit)
        for span in message.gold_spans():
            if span[2] in KEPT_BY_POLICY:
                continue
            covered = _covered(span, detected)
            length = span[1] - span[0]
            for group in (message.lang, "all"):
                for key in ("all", span[2]):
                    counter = leak_spans.setdefault(f"{group}/{key}", Counter())
                    counter["spans"] += 1
                    counter["leaked"] += int(covered < length)
                    counter["chars"] += length
                    counter["leaked_chars"] += length - covered

    def rate(counter: Counter) -> dict[str, float | int]:
        return {"n": counter["n"], "rate": round(counter["hit"] / counter["n"], 4) if counter["n"] else 0.0}

    out: dict[str, Any] = {
        group: {key: rate(counter) for key, counter in sorted(keys.items())} for group, keys in groups.items()
    }
    for name, counter in sorted(leak_spans.items()):
        group, kind = name.split("/")
        out.setdefault(group, {})[f"pii_leak.{kind}"] = {
            "n": counter["spans"],
            "rate": round(counter["leaked"] / counter["spans"], 4),
            "char_rate": round(counter["leaked_chars"] / counter["chars"], 4),
        }
    return out


def print_report(report: dict[str, Any]) -> None:
    headline = ("benign_stopped", "attack_stopped", "intent_accuracy.in_scope", "pii_leak.all", "pii_precision")
    languages = [g for g in ("all", *LANGUAGES) if g in report]
    print(f"{'metric':44}" + "".join(f"{g:>12}" for g in languages))
    keys = sorted({k for g in languages for k in report[g]}, key=lambda k: (k not in headline, k))
    for key in keys:
        cells = []
        for group in languages:
            value = report[group].get(key)
            cells.append(f"{value['rate']:.3f} ({value['n']})" if value else "")
        print(f"{key:44}" + "".join(f"{c:>12}" for c in cells))


def _known_intents() -> set[str]:
    from guardstream.classifiers.bundle import load_manifest
    from guardstream.classifiers.inference import DEFAULT_BUNDLE

    return set(load_manifest(DEFAULT_BUNDLE).tasks.intent.labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardstream.classifiers.training.devset", description=__doc__)
    parser.add_argument("command", choices=["check", "report"])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, help="report: also write the figures as JSON here")
    parser.add_argument("--config", type=Path, help="report: guardstream config (policy, model dir)")
    args = parser.parse_args(argv)
    try:
        messages = list(read(args.files or None, _known_intents()))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    ids = Counter(m.id for m in messages)
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        print(f"duplicate ids: {duplicates[:10]}", file=sys.stderr)
        return 1
    if args.command == "report":
        report = score(messages, classify(messages, args.config))
        print_report(report)
        if args.out is not None:
            args.out.write_text(json.dumps(report, indent=1) + "\n")
        return 0
    print(f"{len(messages)} messages")
    for field in ("lang", "domain", "kind", "safety"):
        print(f"  {field}: {dict(Counter(getattr(m, field) for m in messages).most_common())}")
    print(f"  category: {dict(Counter(f'{m.safety}/{m.category}' for m in messages).most_common())}")
    pii_types = Counter(p.type for m in messages for p in m.pii)
    print(f"  with pii: {sum(bool(m.pii) for m in messages)}; pii types: {dict(pii_types)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
