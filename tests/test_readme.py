"""The README is a user's guide that stays true: its commands are CI's, its Python snippet runs as written."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.+?)\n```", README, flags=re.S)


def _section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = next(c for c in _blocks("bash") if "pytest" in c)
    block = ci.split("# README test command (begin)\n", 1)[1].split("\n# README test command (end)", 1)[0]
    assert block.strip() == test_command.strip()


def test_readme_demo_command_runs_the_demo() -> None:
    assert any(c.rstrip().endswith("guardstream demo") and "pip install" in c for c in _blocks("bash"))


def test_readme_is_a_guide_not_a_notebook() -> None:
    assert len(README.splitlines()) <= 300
    for title in ("Quick start", "Guarantees", "The topic contract", "The policy", "Command line", "Python API"):
        assert f"\n## {title}\n" in README


def test_every_command_is_in_the_cli_table() -> None:
    from guardstream.pipeline.cli import app

    table = _section("Command line")
    for command in app.registered_commands:
        assert f"`guardstream {command.name or command.callback.__name__}" in table
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:
            assert f"`guardstream {group.name} {command.name}" in table


@pytest.mark.broker
@pytest.mark.model
def test_the_python_api_snippet_runs_as_written(broker, bundle_dir: Path, tmp_path: Path) -> None:
    from guardstream.pipeline.admin import ensure_topics
    from guardstream.topics import TopicCatalogue

    (snippet,) = re.findall(r"```python\n(.+?)\n```", _section("Python API"), flags=re.S)
    asyncio.run(ensure_topics(TopicCatalogue.build(prefix="guardstream"), bootstrap_servers=broker.bootstrap_servers))
    env = {**os.environ, "GUARDSTREAM_KAFKA_BOOTSTRAP": broker.bootstrap_servers}
    result = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    expected = [line.removeprefix("# ") for line in snippet.splitlines() if line.startswith("# ")]
    assert result.stdout.splitlines() == expected
