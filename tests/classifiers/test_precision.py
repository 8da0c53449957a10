"""Training precision follows the CPU: bf16 autocast only where bf16 arithmetic is native."""

from __future__ import annotations

from pathlib import Path

import torch

from guardstream.classifiers.training.precision import autocast, cpu_flags, resolve


def test_auto_picks_bf16_only_with_native_bf16_flags() -> None:
    assert resolve("auto", frozenset({"avx512f", "avx512_vnni"})) == "fp32"
    assert resolve("auto", frozenset({"avx512f", "avx512_bf16"})) == "bf16"
    assert resolve("auto", frozenset({"amx_bf16", "amx_tile"})) == "bf16"
    assert resolve("auto", frozenset()) == "fp32"
    assert resolve("bf16", frozenset()) == "bf16" and resolve("fp32", frozenset({"avx512_bf16"})) == "fp32"


def test_cpu_flags_reads_the_flags_line(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu sse avx512_bf16\n\nprocessor\t: 1\n")
    assert cpu_flags(info) == frozenset({"fpu", "sse", "avx512_bf16"})
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_autocast_changes_the_matmul_dtype_only_for_bf16() -> None:
    a = torch.ones(2, 3)
    with autocast("bf16"):
        assert (a @ a.T).dtype == torch.bfloat16
    with autocast("fp32"):
        assert (a @ a.T).dtype == torch.float32
