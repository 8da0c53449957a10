"""bench.audit_costs: every variant really runs its feature, and the report prints a ratio per variant."""

from __future__ import annotations

import orjson
import pytest

from bench.audit_costs import batches, main, variants

pytestmark = pytest.mark.model


def test_each_variant_does_what_its_name_says(bundle_dir) -> None:
    processors = variants(threads=1)
    work = batches(16)[0]
    links = {}
    for name, processor in processors.items():
        result = processor.process(work)
        audit = next(orjson.loads(r.value) for r in result.records if r.topic == processor.catalogue.audit.name)
        links[name] = (audit["chain"] and audit["chain"]["alg"], audit["shadow"] is not None)
    assert links == {
        "audit without chain (before)": (None, False),
        "chain sha256": ("sha256", False),
        "chain hmac": ("hmac-sha256", False),
        "+ shadow policy": ("hmac-sha256", True),
        "+ shadow policy + challenger": ("hmac-sha256", True),
    }
    assert processors["+ shadow policy + challenger"].shadow.challenger is not None


def test_the_report_prints_one_ratio_per_variant(bundle_dir, capsys) -> None:
    main(["--messages", "128", "--rounds", "1", "--threads", "1"])
    lines = capsys.readouterr().out.splitlines()
    rows = {line[:32].strip(): float(line.split()[-1]) for line in lines[2:]}
    assert rows["audit without chain (before)"] == 1.0 and len(rows) == 5
    assert all(ratio > 0 for ratio in rows.values())
