"""The runtime wheel: one import name, the runtime only, and it works on its own.

Builds the wheel from a copy of the sources (the checkout stays clean), installs it into an empty
folder and imports it with ``python -S`` so nothing of the editable checkout can leak in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "guardstream", "topics", "classifiers", "pipeline")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = dist.glob("guardstream-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def test_the_wheel_ships_the_runtime_under_one_name(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top_level == {"guardstream"}
    assert not [n for n in names if "/training/" in n or n.startswith("bench/")]
    for shipped in (
        "guardstream/classifiers/models/guard-multitask/model.int8.onnx",
        "guardstream/classifiers/models/guard-multitask/manifest.json",
        "guardstream/topics/schema/request.schema.json",
        "guardstream/pipeline/data/default_policy.yaml",
        "guardstream/classifiers/models/rampart-pii/model_q4.onnx",
        "guardstream/classifiers/models/rampart-pii/NOTICE",
        "guardstream/classifiers/data/language_words.yaml",
        "guardstream/classifiers/pii/data/address_formats.yaml",
        "guardstream/py.typed",
    ):
        assert shipped in names


def _run_isolated(site: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -S``: no .pth files, so the editable checkout's import finder is not installed."""
    paths = [str(site), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_installed_wheel_guards_on_its_own(installed: Path, tmp_path: Path) -> None:
    code = """
import importlib.util, guardstream
from guardstream import Guard, Policy, Request, decide
from guardstream.pipeline.redaction import Redactor
print(guardstream.__version__)
assert guardstream.__file__.startswith(SITE), guardstream.__file__
for name in ("topics", "pipeline", "classifiers", "bench", "guardstream.classifiers.training"):
    try:
        found = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        found = None
    assert found is None, name
guard = Guard.load()
policy = Policy.load()
request = Request.new("my card 4111 1111 1111 1111 was declined, can you help")
decided = decide(request, guard.classify([request.text])[0], policy, Redactor(policy.pii, None))
print(decided.decision.value, decided.route, decided.text)
""".replace("SITE", repr(str(installed)))
    result = _run_isolated(installed, code, tmp_path)
    assert result.returncode == 0, result.stderr
    version, outcome = result.stdout.splitlines()
    assert version[0].isdigit()
    assert outcome == "redact card-declined my card <CREDIT_CARD> was declined, can you help"


def test_eval_without_the_training_lab_says_how_to_get_it(installed: Path, tmp_path: Path) -> None:
    code = "import sys; from guardstream.pipeline.cli import app; sys.argv = ['guardstream', 'eval']; app()"
    result = _run_isolated(installed, code, tmp_path)
    assert result.returncode == 2
    assert "pip install -e '.[train]'" in result.stderr and "Traceback" not in result.stderr


def test_the_image_is_built_from_the_runtime_wheel() -> None:
    """No Docker engine here: check that the image copies only the wheel's sources (and the lock file of its
    dependencies) and installs the wheel without resolving its dependencies again."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    copies = [
        line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ") and "--from" not in line
    ]
    copied = [source for sources in copies for source in sources]
    assert sorted(copied) == sorted([*SOURCES, "deploy/requirements.lock"])
    assert "pip wheel --no-deps --wheel-dir /dist ." in dockerfile
    assert "pip install -r /tmp/requirements.lock && pip install --no-deps /dist/*.whl" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"classifiers/training", "bench", "tests", ".venv"} <= set(ignored)
