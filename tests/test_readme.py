"""The README's test command is the one CI runs, so the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    test_command = next(c for c in commands if "pytest" in c)
    block = ci.split("# README test command (begin)\n", 1)[1].split("\n# README test command (end)", 1)[0]
    assert block.strip() == test_command.strip()


def test_readme_demo_command_runs_the_demo() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    assert any(c.rstrip().endswith("guardstream demo") and "pip install" in c for c in commands)
