"""What the 0.2.0 PII stages cost the whole guard on the short mix, as a ratio measured in one run.

``python -m bench.pii_stages [--candidate non_english|all]``: the baseline guard has no address recognizer
and no multilingual PII model (the 0.1 detectors; whole-word spans and propagation cannot be switched off and
run in both, and cost only where spans were found); the candidate is the default guard, or
``multilingual_pii: all``. Both alternate round by round (``bench.compare_bundles.compare_guards``).
"""

from __future__ import annotations

import argparse

from bench.compare_bundles import compare_guards, report
from guardstream import Guard
from guardstream.classifiers.pii import AddressRecognizer, RecognizerRegistry


def without_new_stages(threads: int) -> Guard:
    guard = Guard.load(intra_op_threads=threads, multilingual_pii="off")
    kept = [r for r in guard.recognizers.recognizers if not isinstance(r, AddressRecognizer)]
    guard.recognizers = RecognizerRegistry(kept, version="patterns-1")
    return guard


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", choices=["non_english", "all"], default="non_english")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args(argv)
    rows = compare_guards(
        without_new_stages,
        lambda threads: Guard.load(intra_op_threads=threads, multilingual_pii=args.candidate),
        tasks=("all",),
        rounds=args.rounds,
        seconds=args.seconds,
    )
    print(report(rows, "0.1 PII detectors", f"0.2 PII stages, multilingual_pii: {args.candidate}"))


if __name__ == "__main__":
    main()
