"""Training precision: bf16 autocast only where the CPU computes bf16 natively.

Why: on CPUs with AVX512-BF16 or AMX (e.g. AMD Zen 4/5, Intel Sapphire Rapids) bf16 autocast trains the
3-layer student ~3x faster than fp32. On AVX-512 CPUs without them (e.g. Intel Cascade Lake) oneDNN emulates
bf16 and the same step runs ~2.8x *slower* than fp32 (measured: 26-30 vs 74-78 seq/s for a batch of 32 x 40
tokens on 2 cores), which pushed the shipped recipe from ~27 to ~116 minutes. ``auto`` picks whichever is
native, so the documented command keeps its time budget on either kind of machine.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Literal

import torch

Precision = Literal["auto", "bf16", "fp32"]
PRECISIONS: tuple[Precision, ...] = ("auto", "bf16", "fp32")
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The first CPU's feature flags (empty where ``/proc/cpuinfo`` is unavailable, e.g. macOS)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def resolve(precision: Precision, flags: frozenset[str] | None = None) -> Literal["bf16", "fp32"]:
    """``auto`` becomes bf16 on CPUs with native bf16 arithmetic and fp32 elsewhere."""
    if precision != "auto":
        return precision
    return "bf16" if NATIVE_BF16_FLAGS & (cpu_flags() if flags is None else flags) else "fp32"


def autocast(precision: Literal["bf16", "fp32"]) -> contextlib.AbstractContextManager:
    """The forward-pass context for a resolved precision."""
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def add_precision_arg(parser: argparse.ArgumentParser) -> None:
    """``--precision``, shared by every training command."""
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="forward-pass precision; auto = bf16 autocast where the CPU has native bf16, else fp32",
    )
