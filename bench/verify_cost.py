"""What verifying an index generation costs as it loads (StoredIndex._open), from a warm page cache, as medians:
a search's load (file sizes, then the cheap guards on what it reads: vector norms, HNSW links, BM25 ranges), the
guards alone, and a load that also checks every file's sha256 (what a build and `kb check` do). Indexes: the
seed-sized one and synthetic flat indexes of N passages (random unit vectors, 200-character passages, BM25 over
their tokens; no model needed).

    .venv/bin/python bench/verify_cost.py [N ...]     (default: 60 20000 100000)
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from essay_kb.lexical import DEFAULT_TOKENIZER, LexicalIndex
from essay_kb.store import Manifest, ModelInfo, StoredIndex, write_generation
from essay_kb.store.manifest import EssayEntry
from essay_kb.store.vectors import _damage

RUNS = 7
DIMENSION = 384


def synthetic_generation(root: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    alphabet = np.array(list("基层党组织建设干部群众服务治理社区乡村发展改革创新制度经济文化教育"))
    essays, chunks, tokens = [], [], []
    per_essay = 50
    for e in range(0, n, per_essay):
        essay_id = f"e{e:07d}.txt"
        essays.append((essay_id, essay_id, "0" * 64, "", None, None, None, "[]", None, "[]"))
        for i in range(min(per_essay, n - e)):
            text = "".join(rng.choice(alphabet, 200))
            words = [text[j:j + 2] for j in range(0, 200, 2)]
            tokens.append(words)
            chunks.append((essay_id, i, "body", "[]", i, text, 0, 200, "f" * 16, text, "[[0, 200]]",
                           json.dumps(words, ensure_ascii=False)))
    manifest = Manifest(model=ModelInfo("synthetic", "synthetic@0", DIMENSION), chunker_version="bench",
                        max_chars=600, essays=tuple(EssayEntry(r[0], r[2], per_essay) for r in essays),
                        chunks=n, files={}, package_version="bench")
    write_generation(root, essays, chunks, vectors, LexicalIndex.from_tokens(tokens, DEFAULT_TOKENIZER), manifest)


def median_ms(root: Path, checksums: bool) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        StoredIndex._open(root, checksums=checksums).close()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def guards_ms(root: Path) -> float:
    index = StoredIndex._open(root)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        assert not _damage(index.vectors._index, None) and not index.lexical.damage()  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
    index.close()
    return statistics.median(times)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [60, 20_000, 100_000]
    print(f"`{Path(sys.executable).name} bench/verify_cost.py {' '.join(sys.argv[1:])}` on {platform.machine()}, "
          f"{os.cpu_count()} CPUs, median of {RUNS} loads (page cache warm)\n")
    print("| passages | index MB | search load (sizes + guards) | of which guards | load + every checksum | "
          "checksums add |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            synthetic_generation(root, n)
            size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20
            plain, verified, guards = median_ms(root, False), median_ms(root, True), guards_ms(root)
            print(f"| {n:,} | {size:.1f} | {plain:.1f} ms | {guards:.1f} ms | {verified:.1f} ms | "
                  f"{verified - plain:+.1f} ms ({(verified - plain) / plain:+.0%}) |", flush=True)


if __name__ == "__main__":
    main()
