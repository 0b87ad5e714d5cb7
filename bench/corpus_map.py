"""The corpus map (issue 18): how long it takes, and how well its clusters find the topics of a corpus.

    PYTHONPATH=src:bench .venv/bin/python bench/corpus_map.py [--cache /tmp/corpus-map-bench]
        [--speed-cache /tmp/related-speed] [--essays 1000]

Speed: `KnowledgeBase.corpus_map()` on the demo corpus and on 1,000 generated essays (bench/related_speed.py's
corpus, its index reused from --speed-cache), first call after the index is open (the cached call costs nothing).

Quality: the written pair set (tests/data/related/, 45 essays on six topics, with reprints and rewrites) indexed
twice, once with the essays of three topics (dev: tune here) and once with the other three (held out). The
adjusted Rand index (scikit-learn) of the map's clusters against the topics; the clustering rule (linkage,
silhouette tolerance, largest k) is chosen on dev and reported on held-out, beside k-means (the first design).
Also the projection: PCA against t-SNE by neighbourhood trustworthiness (scikit-learn, 10 neighbours) and time on
the 45 essays.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import adjusted_rand_score, silhouette_score

from essay_kb import Config, KnowledgeBase
from essay_kb.corpus_map import SEED, ClusterRule, build_map, corpus_map, essay_passages, essay_vector, project
from essay_kb.embedder import Embedder
from related_speed import generate
from retrieval import DEFAULT_DATA

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "related"
DEV_TOPICS = ("基层党建", "垃圾分类", "高校思政")
LINKAGES = ("average", "complete")  # ward needs euclidean distances
TOLERANCES = (0.0, 0.02, 0.05, 0.07, 0.1)
LARGEST_K = (8, 10)


def topics() -> dict[str, str]:
    lines = (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {e["file"]: e["topic"] for e in map(json.loads, filter(str.strip, lines)) if "file" in e}


def indexed(cache: Path, name: str, files: list[str], embedder: Embedder) -> KnowledgeBase:
    corpus = cache / name / "corpus"
    if not corpus.exists():
        for file in files:
            (corpus / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(DATA / "essays" / file, corpus / file)
    kb = KnowledgeBase(Config(corpus=corpus, index=cache / name / "index"), embedder)
    kb.build()
    return kb


def essay_vectors(kb: KnowledgeBase) -> tuple[np.ndarray, list[str]]:
    essays = sorted(essay_passages(kb.index()), key=lambda e: e.sha256)
    return np.stack([essay_vector(e.vectors, [len(t) for t in e.texts]) for e in essays]), [e.id for e in essays]


def ari(kb: KnowledgeBase, topic: dict[str, str], rule: ClusterRule) -> tuple[float, int]:
    found = build_map("bench", essay_passages(kb.index()), rule)
    return adjusted_rand_score([topic[e.id] for e in found.essays], [e.cluster for e in found.essays]), \
        len(found.clusters)


def kmeans_ari(kb: KnowledgeBase, topic: dict[str, str], tolerance: float) -> tuple[float, int]:
    """The first design, for comparison: k-means on the essay vectors, k by euclidean silhouette and tolerance."""
    vectors, ids = essay_vectors(kb)
    tried = []
    for k in range(2, min(12, len(ids) // 2) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit_predict(vectors)
        tried.append((silhouette_score(vectors, labels), labels))
    best = max(score for score, _ in tried)
    labels = next(labels for score, labels in tried if score >= best - tolerance)
    return adjusted_rand_score([topic[i] for i in ids], labels), len(set(labels))


def timed_map(kb: KnowledgeBase, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        corpus_map(kb.index())  # what KnowledgeBase.corpus_map computes on its first call per generation
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def speed(args: argparse.Namespace, embedder: Embedder) -> list[str]:
    demo = KnowledgeBase(Config(corpus=args.cache / "demo" / "corpus", index=args.cache / "demo" / "index"), embedder)
    if not demo.config.corpus.exists():
        shutil.copytree(ROOT / "corpus", demo.config.corpus)
    demo.build()
    corpus = args.speed_cache / f"corpus-{args.essays}"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        generate(DEFAULT_DATA, corpus, args.essays)
    big = KnowledgeBase(Config(corpus=corpus, index=args.speed_cache / f"index-{args.essays}"), embedder)
    big.build()
    rows = []
    for name, kb in (("demo corpus", demo), (f"{args.essays:,} generated essays", big)):
        kb.corpus_map()  # jieba's dictionary and scikit-learn load once per process
        seconds = timed_map(kb)
        found = kb.corpus_map()
        t = time.perf_counter()
        kb.corpus_map()
        cached = time.perf_counter() - t
        rows.append(f"| {name} | {len(found.essays):,} | {kb.index().chunks.count():,} | {len(found.clusters)} | "
                    f"{seconds:.2f} | {cached * 1000:.2f} |")
    return rows


def projections(kb: KnowledgeBase) -> list[str]:
    vectors = essay_vectors(kb)[0]
    rows = []
    for name, method in (("PCA (chosen)", project),
                         ("t-SNE", lambda v: TSNE(2, perplexity=10, init="pca", random_state=SEED).fit_transform(v))):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            points = method(vectors)
            times.append(time.perf_counter() - t)
        seconds = statistics.median(times)
        rows.append(f"| {name} | {trustworthiness(vectors, points, n_neighbors=10):.3f} | {seconds:.3f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/corpus-map-bench"))
    parser.add_argument("--speed-cache", type=Path, default=Path("/tmp/related-speed"))
    parser.add_argument("--essays", type=int, default=1000)
    args = parser.parse_args()
    embedder = Embedder()
    topic = topics()
    dev = indexed(args.cache, "dev", [f for f, t in topic.items() if t in DEV_TOPICS], embedder)
    held = indexed(args.cache, "held-out", [f for f, t in topic.items() if t not in DEV_TOPICS], embedder)
    every = indexed(args.cache, "all", list(topic), embedder)
    rules = [ClusterRule(link, tol, k) for link, tol, k in itertools.product(LINKAGES, TOLERANCES, LARGEST_K)]
    scored = [(ari(dev, topic, rule)[0], rule) for rule in rules]
    best = max(score for score, _ in scored)
    tied = [r for s, r in scored if s == best]
    held_tied = [ari(held, topic, r)[0] for r in tied]
    shipped = ClusterRule()
    print(f"`python {' '.join(sys.argv)}` on {platform.processor() or platform.machine()} "
          f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start), "
          f"{len(topic)} essays of tests/data/related; dev topics {', '.join(DEV_TOPICS)}\n")
    print(f"{len(rules)} rules tried on dev (linkage × silhouette tolerance × largest k); {len(tied)} reach the best "
          f"dev ARI {best:.3f}: {'; '.join(f'{r.linkage} tol {r.tolerance} k≤{r.max_clusters}' for r in tied)}. "
          f"Their held-out ARI ranges {min(held_tied):.3f}–{max(held_tied):.3f}. Shipped: {shipped.linkage}, "
          f"tolerance {shipped.tolerance}, k ≤ {shipped.max_clusters}, min silhouette {shipped.min_silhouette} "
          f"({'one of the dev-best' if shipped in tied else 'NOT among the dev-best'}).\n")
    print("| corpus | essays | topics | clustering | clusters | adjusted Rand index |\n|---|---|---|---|---|---|")
    for name, kb in (("dev", dev), ("held-out", held), ("all six topics", every)):
        n_essays, n_topics = len(kb.index().chunks.titles()), len({topic[e] for e in kb.index().chunks.titles()})
        for label, (score, clusters) in (
            ("shipped rule", ari(kb, topic, shipped)),
            ("shipped, silhouette alone (tolerance 0)", ari(kb, topic, ClusterRule(tolerance=0.0))),
            (f"k-means, tolerance {shipped.tolerance}", kmeans_ari(kb, topic, shipped.tolerance)),
        ):
            print(f"| {name} | {n_essays} | {n_topics} | {label} | {clusters} | {score:.3f} |")
    print("\n| projection (45 essays) | trustworthiness @10 | seconds (median of 3) |\n|---|---|---|")
    print("\n".join(projections(every)))
    print("\n| corpus | essays | passages | clusters | map s (first call per generation, median of 3) | "
          "cached call ms |\n|---|---|---|---|---|---|")
    print("\n".join(speed(args, embedder)))


if __name__ == "__main__":
    main()
