"""Hybrid retrieval on CMRC 2018 trial: tokenisers, fusion methods and parameters, question types, languages,
and what the search costs next to the query embedding. Prints Markdown for BENCHMARKS.md.

    .venv/bin/python bench/hybrid.py [--data ../shared/bench/cmrc2018_trial.json]

Questions are embedded once; every tokeniser and fusion variant is then evaluated on the same candidates.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from opencc import OpenCC

from essay_kb import Config, KnowledgeBase
from essay_kb.evaluate import Question, Ranks, evaluate_ranks, rank_hits
from essay_kb.fusion import FusionConfig
from essay_kb.indexer import passage_text
from essay_kb.lexical import TOKENIZERS, LexicalIndex
from essay_kb.normalize import normalize_for_search
from essay_kb.search import Hit, ranked_rows, search
from retrieval import DEFAULT_DATA, write_corpus

QUOTED = re.compile(r"[“”\"「」《》『』]")


class Bench:
    def __init__(self, kb: KnowledgeBase, questions: list[Question]) -> None:
        self.kb = kb
        self.index = kb.index()
        rows = list(range(self.index.chunks.count()))
        self.chunks = self.index.chunks.chunks(rows)
        self.titles = self.index.chunks.titles()
        self.texts = [passage_text(c, self.titles[c.essay_id]) for c in self.chunks]
        self.essay_texts = {e.id: normalize_for_search(e.text) for e in self.index.chunks.essays()}
        self.questions = questions

    def embed(self, questions: Sequence[Question]) -> np.ndarray:
        return np.stack([self.kb.embedder.embed_query(normalize_for_search(q.question)) for q in questions])

    def ranks(self, questions: Sequence[Question], vectors: np.ndarray, lexical: LexicalIndex, mode: str,
              fusion: FusionConfig) -> list[Ranks]:
        out = []
        for q, v in zip(questions, vectors, strict=True):
            ranked, _ = ranked_rows(self.index, q.question, v, mode, fusion, lexical_index=lexical)
            hits = [Hit(rank=i, score=c.fused_score, chunk=self.chunks[c.row], title="")
                    for i, c in enumerate(ranked, start=1)]
            out.append(rank_hits(hits, q, self.essay_texts))
        return out


def row(label: str, questions: Sequence[Question], ranks: list[Ranks]) -> str:
    r = evaluate_ranks(questions, ranks)
    return (f"| {label} | {r.essay['recall@1']:.4f} | {r.essay['recall@5']:.4f} | {r.essay['mrr@10']:.4f} | "
            f"{r.passage['recall@1']:.4f} | {r.passage['recall@5']:.4f} | {r.passage['mrr@10']:.4f} |")


HEADER = ("| variant | essay R@1 | essay R@5 | essay MRR@10 | passage R@1 | passage R@5 | passage MRR@10 |\n"
          "|---|---|---|---|---|---|---|")


def fusion_grid() -> list[tuple[str, FusionConfig]]:
    grid = [(f"rrf k={k} w={w}", FusionConfig("rrf", rrf_k=k, dense_weight=w))
            for k in (10, 60) for w in (0.3, 0.5, 0.7)]
    grid += [(f"blend w={w}", FusionConfig("blend", dense_weight=w)) for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)]
    return grid


def latency(kb: KnowledgeBase, questions: Sequence[Question], fusion: FusionConfig) -> tuple[float, float]:
    """p50 of the query embedding and p50 of everything after it (BM25, dense, fusion, highlight, hits)."""
    embed_ms, search_ms = [], []
    index = kb.index()
    for q in questions:
        t0 = time.perf_counter()
        vector = kb.embedder.embed_query(normalize_for_search(q.question))
        t1 = time.perf_counter()
        search(index, q.question, vector, 5, "hybrid", fusion)
        t2 = time.perf_counter()
        embed_ms.append((t1 - t0) * 1000)
        search_ms.append((t2 - t1) * 1000)
    return statistics.median(embed_ms), statistics.median(search_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        questions = write_corpus(args.data, corpus)
        kb = KnowledgeBase(Config(corpus=corpus, index=Path(tmp) / "index"))
        report = kb.build()
        bench = Bench(kb, questions)
        vectors = bench.embed(questions)
        lexicals = {name: LexicalIndex.build(bench.texts, name) for name in TOKENIZERS}
        default = FusionConfig()
        print(f"`{' '.join(['python', *sys.argv])}` — {len(questions)} questions, {report.essays} essays, "
              f"{report.chunks} passages, candidate depth {FusionConfig().depth} per retriever\n")
        print("### Retrievers and BM25 tokenisers\n\n" + HEADER)
        print(row("dense", questions, bench.ranks(questions, vectors, lexicals["bigram"], "dense", default)))
        for name, lexical in lexicals.items():
            print(row(f"BM25 {name}", questions, bench.ranks(questions, vectors, lexical, "lexical", default)))
        for name, lexical in lexicals.items():
            ranks = bench.ranks(questions, vectors, lexical, "hybrid", default)
            print(row(f"hybrid ({default.method} w={default.dense_weight}) + {name}", questions, ranks))
        print("\n### Fusion (BM25 tokeniser: " + kb.config.lexical_tokenizer + ")\n\n" + HEADER)
        lexical = lexicals[kb.config.lexical_tokenizer]
        for label, fusion in fusion_grid():
            print(row(label, questions, bench.ranks(questions, vectors, lexical, "hybrid", fusion)))
        quoted = [i for i, q in enumerate(questions) if QUOTED.search(q.question)]
        sub = [questions[i] for i in quoted]
        print(f"\n### Questions quoting a name or phrase (“…”, 《…》, 「…」): {len(sub)}\n\n" + HEADER)
        for mode, fusion in (("dense", default), ("lexical", default), ("hybrid", default),
                             ("hybrid", FusionConfig("blend", dense_weight=0.3))):
            label = f"{mode}" + (f" w={fusion.dense_weight}" if mode == "hybrid" else "")
            print(row(label, sub, bench.ranks(sub, vectors[quoted], lexical, mode, fusion)))
        to_trad = OpenCC("s2t")
        trad = [Question(to_trad.convert(q.question), q.answer, q.essay) for q in questions]
        trad_vectors = bench.embed(trad)
        print(f"\n### The same questions in traditional characters (OpenCC s2t): {len(trad)}\n\n" + HEADER)
        for mode in ("dense", "lexical", "hybrid"):
            print(row(mode, trad, bench.ranks(trad, trad_vectors, lexical, mode, default)))
        embed_p50, search_p50 = latency(kb, questions, default)
        print("\n### Cost of the search next to the query embedding (hybrid, k=5, p50 over all questions)\n")
        print("| query embedding p50 | search p50 (BM25 + dense + fusion + highlight + hits) | ratio |\n|---|---|---|")
        print(f"| {embed_p50:.2f} ms | {search_p50:.2f} ms | {search_p50 / embed_p50:.1%} |")


if __name__ == "__main__":
    main()
