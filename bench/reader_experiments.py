"""Two ideas for the reader questions of issue 14 that did not win, kept so the result can be rerun: dense
pseudo-relevance feedback (the query vector moved toward its top 3 passages) and Chinese stop words dropped from
the BM25 side of the question. Default ranking otherwise; the dev split decides, test is reported apart.

    PYTHONPATH=src:bench .venv/bin/python bench/reader_experiments.py --cache /tmp/issue14-ranking

Reuses bench/reader_questions.py's indexes, question groups and cached question embeddings.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from bm25s.stopwords import STOPWORDS_CHINESE

import reader_questions as rq
from essay_kb import lexical
from essay_kb.evaluate import summarize
from essay_kb.search import search
from essay_kb.store import StoredIndex
from retrieval import DEFAULT_DATA, write_corpus


def feedback(beta: float, m: int = 3) -> Callable[[StoredIndex, np.ndarray], np.ndarray]:
    def move(index: StoredIndex, query: np.ndarray) -> np.ndarray:
        if beta == 0:
            return query
        rows = [r for r, _ in index.vectors.search(query, m)]
        moved = query + beta * index.vectors.vectors(rows).mean(axis=0)
        return (moved / np.linalg.norm(moved)).astype(np.float32)
    return move


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reader-bench"))
    args = parser.parse_args()
    demo = rq.built(args.cache, "demo", lambda c: shutil.copytree(rq.ROOT / "corpus", c, dirs_exist_ok=True))
    seed = rq.built(args.cache, "seed", lambda c: shutil.copy(rq.ROOT / "corpus" / rq.SEED, c))
    cmrc = rq.built(args.cache, "cmrc", lambda c: write_corpus(DEFAULT_DATA, c) and None)
    with tempfile.TemporaryDirectory() as scratch:
        cmrc_questions = write_corpus(DEFAULT_DATA, Path(scratch))
    groups = rq.question_groups()
    vectors = {name: rq.embedded(demo, qs, args.cache) for name, qs in groups.items()}
    cmrc_vectors = rq.embedded(cmrc, cmrc_questions, args.cache)
    fusion = rq.default()
    plain_terms = lexical.LexicalIndex.query_terms
    variants = {f"feedback β={b}": (feedback(b), frozenset()) for b in (0.0, 0.3, 0.6, 1.0)}
    variants["BM25 without bm25s's Chinese stop words"] = (feedback(0.0), frozenset(STOPWORDS_CHINESE))
    print("| variant | " + " | ".join(f"{n} ({len(q)})" for n, q in groups.items()) + " | CMRC essay R@1 |")
    print("|---|" + "---|" * (len(groups) + 1))
    for label, (move, stop) in variants.items():
        lexical.LexicalIndex.query_terms = (  # type: ignore[method-assign]
            lambda self, q, stop=stop: [t for t in plain_terms(self, q) if t not in stop] or plain_terms(self, q))
        cells = []
        for name, qs in groups.items():
            index = (seed if name.startswith("seed") else demo).index()
            ranks = [rq.passage_rank(search(index, q.question, move(index, v), rq.K, "hybrid", fusion), q)
                     for q, v in zip(qs, vectors[name], strict=True)]
            s = summarize(ranks)
            cells.append(f"{s['recall@1']:.2f} / {s['recall@5']:.2f}")
        index = cmrc.index()
        top = [search(index, q.question, move(index, v), 1, "hybrid", fusion)
               for q, v in zip(cmrc_questions, cmrc_vectors, strict=True)]
        r1 = sum(bool(h) and h[0].chunk.essay_id == q.essay for q, h in zip(cmrc_questions, top, strict=True))
        print(f"| {label} | " + " | ".join(cells) + f" | {r1 / len(cmrc_questions):.4f} |")
    lexical.LexicalIndex.query_terms = plain_terms  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
