"""Every user-facing error is a short message naming the file, setting or address, with the right exit status.

Run through the real command line (``python -m guardstream``), as a user meets them: no traceback unless
``--debug`` asks for one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GUARDSTREAM_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "guardstream", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def _short(result: subprocess.CompletedProcess) -> str:
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) <= 3, output
    return output


def _policy(tmp_path: Path, **changes: object) -> Path:
    policy = yaml.safe_load((ROOT / "pipeline" / "data" / "default_policy.yaml").read_text())
    for dotted, value in changes.items():
        node = policy
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    return path


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: x\nsafety:\n  injection: {block: 0.8\n")
    result = _run("topics", env={"GUARDSTREAM_POLICY": str(path)})
    assert result.returncode == 2
    assert f"{path}:4:1: invalid YAML" in _short(result)


def test_a_bad_setting_names_the_file_and_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("batch: {size: 0}\n")
    result = _run("topics", "--config", str(config))
    assert result.returncode == 2
    assert f"{config}: batch.size: Input should be greater than or equal to 1" in _short(result)
    result = _run("topics", env={"GUARDSTREAM_BATCH_SIZE": "lots"})
    assert result.returncode == 2 and "settings: batch.size" in _short(result)


@pytest.mark.parametrize("command", [["audit", "tail"], ["produce", "-"], ["dead-letter", "read"], ["audit", "verify"]])
def test_an_unreachable_broker_is_named_once(command: list[str]) -> None:
    result = _run(*command, "--bootstrap", "127.0.0.1:9")
    assert result.returncode == 1
    assert "cannot reach Kafka at 127.0.0.1:9" in _short(result)


def test_a_missing_tls_file_names_the_setting_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "ca.pem"
    env = {"GUARDSTREAM_KAFKA__SECURITY_PROTOCOL": "SSL", "GUARDSTREAM_KAFKA__SSL_CAFILE": str(missing)}
    result = _run("audit", "tail", env=env)
    assert result.returncode == 2
    assert f"kafka.ssl_cafile: no such file: {missing}" in _short(result)


@pytest.mark.model
def test_a_misspelt_intent_in_the_routes_is_an_error(tmp_path: Path, bundle_dir: Path) -> None:
    policy = _policy(tmp_path, routing__routes={"banking": ["balanse", "transfer"]})
    result = _run("classify", "what is my balance", env={"GUARDSTREAM_POLICY": str(policy)})
    assert result.returncode == 2
    output = _short(result)
    assert "does not know: balanse" in output and "transfer" not in output


def test_an_unknown_entity_type_is_an_error_naming_it(tmp_path: Path) -> None:
    policy = _policy(tmp_path, pii__ignore_types=["DATE_TIME", "ADRESS"])
    result = _run("topics", env={"GUARDSTREAM_POLICY": str(policy)})
    assert result.returncode == 2
    output = _short(result)
    assert f"{policy}: pii.ignore_types" in output and "unknown entity type ADRESS" in output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: [\n")
    assert "Traceback" in _run("--debug", "topics", env={"GUARDSTREAM_POLICY": str(path)}).stderr
    assert "Traceback" in _run("topics", env={"GUARDSTREAM_POLICY": str(path), "GUARDSTREAM_DEBUG": "1"}).stderr
