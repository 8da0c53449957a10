"""PolicyReloader: what a new version must pass before it is applied, and what a refusal reports."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardstream import Guard, Policy
from guardstream.pipeline.policy_reload import PolicyReloader

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def guard(bundle_dir: Path) -> Guard:
    return Guard.load(bundle_dir, intra_op_threads=1, multilingual_pii="off")


def _policy(**changes: object) -> dict:
    data = yaml.safe_load((ROOT / "pipeline" / "data" / "default_policy.yaml").read_text())
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_policy(version="v2", routing={"default_route": "brand-new"}), "topics this worker does not have (brand-new)"),
        (_policy(), "is the running one"),
        (_policy(version="v2", pii={"operator": "hash"}), "hash salt"),
        (_policy(version="v2", routing={"routes": {"banking": ["balanse"]}}), "does not know: balanse"),
    ],
)
def test_an_edit_that_cannot_be_applied_is_refused_and_counted(
    guard: Guard, tmp_path: Path, edit: dict, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(_policy()))
    current = Policy.load(path)
    results: list[str] = []
    reloader = PolicyReloader(path, guard, current.route_names, None, interval_s=0.0, on_result=results.append)
    assert reloader.check(current) is None and results == []  # unchanged file: nothing to do
    path.write_text(yaml.safe_dump(edit) + "\n# edited\n")
    assert reloader.check(current) is None
    assert results == ["refused"]
    logged = capsys.readouterr()
    lines = [line for line in (logged.out + logged.err).splitlines() if "policy_reload_refused" in line]
    assert len(lines) == 1 and reason in lines[0] and str(path) in lines[0]


def test_a_valid_edit_is_applied_once(guard: Guard, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(_policy()))
    current = Policy.load(path)
    results: list[str] = []
    reloader = PolicyReloader(path, guard, current.route_names, None, interval_s=0.0, on_result=results.append)
    path.write_text(yaml.safe_dump(_policy(version="v2", pii={"action": "block"})))
    new = reloader.check(current)
    assert new is not None and new.version == "v2" and new.pii.action == "block" and new.bound
    assert reloader.check(new) is None and results == ["applied"]
