"""bench.compare_bundles: a committed bundle restored from git, and both bundles measured round by round."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.compare_bundles import SHIPPED, bundle_from_git, compare, report

ROOT = Path(__file__).resolve().parents[2]


def _in_git() -> bool:
    probe = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _in_git(), reason="needs the git checkout the bundle was committed in")
def test_bundle_from_git_restores_the_committed_files(tmp_path, monkeypatch, bundle_dir) -> None:
    monkeypatch.chdir(ROOT)
    committed = subprocess.run(["git", "ls-files", SHIPPED.as_posix()], capture_output=True, text=True).stdout
    if "manifest.json" not in committed:
        pytest.skip("the shipped bundle is not committed in this checkout")
    out = bundle_from_git("HEAD", tmp_path / "b")
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():  # the manifest's own sha256 of every file it lists
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    with pytest.raises(subprocess.CalledProcessError):
        bundle_from_git("no-such-revision", tmp_path / "c")


def test_compare_measures_both_bundles_every_round(tmp_path, bundle_dir) -> None:
    twin = shutil.copytree(bundle_dir, tmp_path / "twin")
    rows = compare(bundle_dir, twin, tasks=("intent",), threads=(1,), rounds=2, seconds=0.05, messages=64)
    assert [(r.task, r.threads) for r in rows] == [("intent", 1)]
    row = rows[0]
    assert len(row.baseline_msgs_per_s) == len(row.candidate_msgs_per_s) == 2
    assert all(x > 0 for x in row.baseline_msgs_per_s + row.candidate_msgs_per_s)
    expected = sorted(c / b for c, b in zip(row.candidate_msgs_per_s, row.baseline_msgs_per_s, strict=True))
    assert row.ratio == pytest.approx(sum(expected) / 2)
    assert f"{row.ratio:.3f}x" in report(rows, "a", "b")
