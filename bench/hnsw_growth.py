"""Growing an HNSW store instead of rebuilding it: what a `kb index` that adds or edits a few essays costs.

    .venv/bin/python bench/hnsw_growth.py [--size 100000] [--change 0.01] [--queries 300]

Synthetic clustered vectors (bench/scale.py's mixture, dimension 384) stand in for a large index. A build that
adds `change` of the size in new rows and replaces as many (edited essays: old nodes become tombstones) is timed
both ways, through the store's own code: FaissStore.extend (a copy of the previous graph plus new nodes) and
FaissStore.build (a new graph). Recall@10 against exact search and p50 latency are measured on each result.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import faiss
import numpy as np

from essay_kb.store.vectors import HNSW_DEFAULT, FaissStore
from scale import Mixture

K = 10


def quality(store: FaissStore, vectors: np.ndarray, queries: np.ndarray) -> tuple[float, float]:
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, K)
    hits, ms = 0, []
    for q, want in zip(queries, truth, strict=True):
        t0 = time.perf_counter()
        got = [row for row, _ in store.search(q, K)]
        ms.append((time.perf_counter() - t0) * 1000)
        hits += len(set(got) & set(want.tolist()))
    return hits / (K * len(queries)), statistics.median(ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--change", type=float, default=0.01, help="share of rows added, and as many replaced")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    faiss.omp_set_num_threads(2)
    mixture = Mixture(seed=7, clusters=max(20, args.size // 500))
    old = np.concatenate(list(mixture.corpus_batches(args.size)))
    changed = int(args.size * args.change)
    rng = np.random.default_rng(11)
    fresh = mixture.sample(rng, 2 * changed)  # new essays' rows, then edited essays' new rows
    t0 = time.perf_counter()
    previous = FaissStore.build(old, HNSW_DEFAULT)
    first_build = time.perf_counter() - t0
    # New generation: the edited rows (the first `changed` old ones) are left out, the rest keep their order,
    # and the new rows follow, as the indexer lays them out.
    kept = old[changed:]
    vectors = np.concatenate([kept, fresh])
    old_to_new = np.concatenate([np.full(changed, -1), np.arange(len(kept))]).astype(np.int64)
    t0 = time.perf_counter()
    grown = FaissStore.extend(previous, old_to_new, vectors)
    grow_s = time.perf_counter() - t0
    assert grown is not None
    t0 = time.perf_counter()
    rebuilt = FaissStore.build(vectors, HNSW_DEFAULT)
    rebuild_s = time.perf_counter() - t0
    queries = mixture.queries(args.queries)
    grown_recall, grown_ms = quality(grown, vectors, queries)
    rebuilt_recall, rebuilt_ms = quality(rebuilt, vectors, queries)
    print(f"`{' '.join(['python', *sys.argv])}` — {args.size:,} vectors, {changed:,} added and {changed:,} replaced "
          f"({grown.slots - grown.count:,} tombstones), HNSW m={HNSW_DEFAULT.m} efC={HNSW_DEFAULT.ef_construction} "
          f"efSearch={HNSW_DEFAULT.ef_search}, 2 threads, k={K}, {args.queries} queries; "
          f"first build {first_build:.1f} s\n")
    print("| new generation's store | time | × rebuild | recall@10 | p50 ms |\n|---|---|---|---|---|")
    print(f"| grown from the previous graph | {grow_s:.2f} s | {grow_s / rebuild_s:.3f}x | {grown_recall:.3f} | "
          f"{grown_ms:.2f} |")
    print(f"| rebuilt from scratch | {rebuild_s:.1f} s | 1.000x | {rebuilt_recall:.3f} | {rebuilt_ms:.2f} |")


if __name__ == "__main__":
    main()
