"""Passage embedding throughput of fp32, bf16 and `precision = auto` on this CPU, paired in one run.

    .venv/bin/python bench/precision.py [--data ../shared/bench/cmrc2018_trial.json] [--passages 192]

CMRC 2018 trial passages (title, then the passage) in blocks of 32; each block is embedded by the three embedders
in turn, the order rotated block by block, so a busy moment on a shared machine falls on all three alike. Prints
the CPU model and its bf16 flags, auto's decision (measured fresh into a temporary cache, so its one-time cost is
shown too), median passages/s and the median per-block ratio to fp32.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from essay_kb.embedder import Embedder
from essay_kb.precision import this_cpu

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "cmrc2018_trial.json"
BLOCK = 32


def cmrc_passages(path: Path, limit: int) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    texts = [f"{a['title']}\n{p['context']}" for a in data for p in a["paragraphs"]]
    return texts[:limit]


def built(precision: str, cache: Path) -> tuple[Embedder, float]:
    started = time.perf_counter()
    embedder = Embedder(precision=precision, decision_cache=cache)
    return embedder, time.perf_counter() - started


def block_rates(embedders: dict[str, Embedder], texts: list[str]) -> dict[str, list[float]]:
    """Passages/s of each embedder on each block; the order of the three rotates from block to block."""
    names = list(embedders)
    for e in embedders.values():
        e.embed_passages(texts[:4])  # warm-up: first calls allocate
    rates: dict[str, list[float]] = {n: [] for n in names}
    for i, start in enumerate(range(0, len(texts), BLOCK)):
        block = texts[start : start + BLOCK]
        for name in names[i % 3 :] + names[: i % 3]:
            t0 = time.perf_counter()
            embedders[name].embed_passages(block)
            rates[name].append(len(block) / (time.perf_counter() - t0))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--passages", type=int, default=192)
    args = parser.parse_args()
    texts = cmrc_passages(args.data, args.passages)
    cpu = this_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        bf16, _ = built("bf16", Path(tmp))  # first, so the one-time imports are not counted in the two below
        fp32, fp32_load = built("fp32", Path(tmp))
        auto, auto_load = built("auto", Path(tmp))
    rates = block_rates({"fp32": fp32, "bf16": bf16, "auto": auto}, texts)
    print(f"`{' '.join(['python', *sys.argv])}` — {len(texts)} CMRC passages in blocks of {BLOCK}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"CPU: {cpu.model_name}; bf16 flags: {', '.join(cpu.bf16_flags) or 'none'}")
    print(f"auto → {auto.precision} ({auto.precision_choice.reason}); building the auto embedder took "
          f"{auto_load:.1f} s against {fp32_load:.1f} s for fp32 (the difference is the one-time measurement)\n")
    print("| precision | passages/s (median of blocks) | × fp32 (median per-block ratio) |\n|---|---|---|")
    for name, values in rates.items():
        ratio = statistics.median(v / f for v, f in zip(values, rates["fp32"], strict=True))
        print(f"| {name}{' → ' + auto.precision if name == 'auto' else ''} | {statistics.median(values):.1f} "
              f"| {ratio:.2f}x |")


if __name__ == "__main__":
    main()
